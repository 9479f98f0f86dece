/**
 * Why a text was refused: not JSON at all, or JSON that different parsers read
 * differently (a key given twice: first or last wins depending on the parser;
 * a lone surrogate: kept, replaced by U+FFFD or an error; a number not in the
 * form its writer would have used: exact in one parser, rounded in another).
 */
export type JsonScanProblem = "syntax" | "duplicate_key" | "lone_surrogate" | "non_canonical_number" | "inexact_number";

export type JsonScan =
  | {
      readonly ok: true;
      readonly value: unknown;
      /**
       * With the `noteCanonical` option: true when the text is exactly the
       * value's canonical JSON text (what canonicalText(value) returns: no
       * whitespace, keys in strictly increasing UTF-16 order and none that
       * JavaScript orders itself or `__proto__`, no escape in any string, every
       * number as JSON.stringify writes it), so a caller can use the text
       * instead of encoding the value again. False says only "not shown": the
       * value may still have a canonical text.
       */
      readonly canonical?: boolean;
    }
  | { readonly ok: false; readonly problem: JsonScanProblem; readonly offset: number; readonly message: string };

export interface JsonScanOptions {
  /**
   * Refuse a number unless it is written exactly as `JSON.stringify` writes its
   * value (for text that JSON.stringify produced, such as the decision log).
   */
  canonicalNumbers?: boolean;
  /**
   * Refuse a number whose text denotes another value than the double it reads
   * as (`9007199254740993`, `500.0000000000000001`, `1e400`, `1e-400`): a
   * double-based reader and an exact one (a decimal or big-integer library,
   * Python's int) would act on different values. The text must be the
   * double's shortest decimal, give or take notation (`1.10`, `1e2` pass).
   */
  exactNumbers?: boolean;
  /**
   * "replace": a lone surrogate becomes U+FFFD instead of refusing the text
   * (for JSON this process wrote itself, whose strings came from anywhere).
   * Keys that become equal that way are still duplicates. Default "reject".
   */
  loneSurrogates?: "reject" | "replace";
  /** "last": a repeated key keeps its last value, as JSON.parse does (for JSON this process wrote). Default "reject". */
  duplicateKeys?: "reject" | "last";
  /** Report whether the text is the value's canonical JSON text (JsonScan's `canonical`). */
  noteCanonical?: boolean;
}

interface ObjectFrame {
  readonly object: Record<string, unknown>;
  key: string;
}

type Frame = ObjectFrame | unknown[];

class ScanFailure {
  readonly problem: JsonScanProblem;
  readonly offset: number;
  readonly message: string;
  constructor(problem: JsonScanProblem, offset: number, message: string) {
    this.problem = problem;
    this.offset = offset;
    this.message = message;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SHORT_ESCAPES: Readonly<Record<number, string>> = {
  0x22: '"',
  0x5c: "\\",
  0x2f: "/",
  0x62: "\b",
  0x66: "\f",
  0x6e: "\n",
  0x72: "\r",
  0x74: "\t",
};

/**
 * A strict RFC 8259 parser that produces what `JSON.parse` produces, or refuses
 * the text when it is not JSON or when parsers disagree on what it means:
 * duplicate keys (compared decoded, so `"a"` and `"\u0061"` are the same key)
 * and lone surrogates in strings or keys; with `canonicalNumbers`, numbers not
 * written in their canonical form. One pass, no recursion: nesting depth costs
 * heap, not stack, so no input can overflow it.
 */
export function scanJson(text: string, options: JsonScanOptions = {}): JsonScan {
  try {
    const scanner = new Scanner(text, options.canonicalNumbers === true, options.loneSurrogates === "replace", options.duplicateKeys === "last", options.exactNumbers === true);
    const value = scanner.document();
    return options.noteCanonical === true ? { ok: true, value, canonical: scanner.canonical } : { ok: true, value };
  } catch (err) {
    if (err instanceof ScanFailure) return { ok: false, problem: err.problem, offset: err.offset, message: err.message };
    throw err;
  }
}

class Scanner {
  readonly #text: string;
  readonly #canonicalNumbers: boolean;
  readonly #exactNumbers: boolean;
  readonly #replaceLoneSurrogates: boolean;
  readonly #lastDuplicateWins: boolean;
  #at = 0;
  /** Whether the text read so far is canonical (see JsonScan.canonical); only ever turned false. */
  #canonical = true;
  /** Position of the next backslash at or after the last string start (text.length when none): found once, reused. */
  #nextBackslash = -1;
  /** Whole-text checks that let unescaped strings skip their own (the usual case: no control character, no lone surrogate). */
  readonly #hasControl: boolean;
  readonly #wellFormed: boolean;

  constructor(text: string, canonicalNumbers: boolean, replaceLoneSurrogates: boolean, lastDuplicateWins: boolean, exactNumbers: boolean) {
    this.#text = text;
    this.#canonicalNumbers = canonicalNumbers;
    this.#exactNumbers = exactNumbers;
    this.#replaceLoneSurrogates = replaceLoneSurrogates;
    this.#lastDuplicateWins = lastDuplicateWins;
    this.#hasControl = CONTROL.test(text);
    this.#wellFormed = text.isWellFormed();
  }

  get canonical(): boolean {
    return this.#canonical;
  }

  document(): unknown {
    const stack: Frame[] = [];
    for (;;) {
      // A value starts here; containers push a frame and loop for their first member.
      this.#skipSpace();
      let value: unknown;
      const c = this.#text.charCodeAt(this.#at);
      if (c === 0x7b) {
        this.#at += 1;
        const object: Record<string, unknown> = {};
        this.#skipSpace();
        if (this.#text.charCodeAt(this.#at) === 0x7d) {
          this.#at += 1;
          value = object;
        } else {
          const frame: ObjectFrame = { object, key: "" };
          this.#memberKey(frame);
          stack.push(frame);
          continue;
        }
      } else if (c === 0x5b) {
        this.#at += 1;
        this.#skipSpace();
        if (this.#text.charCodeAt(this.#at) === 0x5d) {
          this.#at += 1;
          value = [];
        } else {
          stack.push([]);
          continue;
        }
      } else {
        value = this.#scalar(c);
      }
      // A value is complete: store it in its container, then close every container that ends here.
      for (;;) {
        const frame = stack.at(-1);
        if (frame === undefined) {
          this.#skipSpace();
          if (this.#at !== this.#text.length) this.#fail("syntax", "unexpected text after the JSON value");
          return value;
        }
        if (Array.isArray(frame)) frame.push(value);
        else if (frame.key === "__proto__") Object.defineProperty(frame.object, frame.key, { value, writable: true, enumerable: true, configurable: true });
        else frame.object[frame.key] = value;
        this.#skipSpace();
        const next = this.#text.charCodeAt(this.#at);
        this.#at += 1;
        if (next === 0x2c) {
          if (!Array.isArray(frame)) this.#memberKey(frame);
          break;
        }
        if (next === (Array.isArray(frame) ? 0x5d : 0x7d)) {
          stack.pop();
          value = Array.isArray(frame) ? frame : frame.object;
          continue;
        }
        this.#at -= 1;
        this.#fail("syntax", Array.isArray(frame) ? "expected , or ] in an array" : "expected , or } in an object");
      }
    }
  }

  /** `"key" :` of an object member; a key seen before in the same object is refused. */
  #memberKey(frame: ObjectFrame): void {
    this.#skipSpace();
    const start = this.#at;
    if (this.#text.charCodeAt(this.#at) !== QUOTE) this.#fail("syntax", "expected a string key");
    const key = this.#string();
    // Canonical keys rise strictly (so none repeats); a first key "" is merely not shown canonical.
    if (this.#canonical) {
      const first = key.charCodeAt(0);
      if (!(frame.key < key) || (first >= 0x30 && first <= 0x39) || key === "__proto__") this.#canonical = false;
    }
    // The object holds exactly the keys read so far (own properties, `__proto__` included): compared
    // decoded, so "a" and "\u0061" are one key.
    if (!this.#lastDuplicateWins && Object.hasOwn(frame.object, key)) this.#fail("duplicate_key", `the key ${JSON.stringify(key)} appears twice in one object`, start);
    frame.key = key;
    this.#skipSpace();
    if (this.#text.charCodeAt(this.#at) !== 0x3a) this.#fail("syntax", "expected : after an object key");
    this.#at += 1;
  }

  #scalar(c: number): unknown {
    if (c === QUOTE) return this.#string();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.#number();
    const literal = c === 0x74 ? "true" : c === 0x66 ? "false" : c === 0x6e ? "null" : undefined;
    if (literal !== undefined && this.#text.startsWith(literal, this.#at)) {
      this.#at += literal.length;
      return c === 0x74 ? true : c === 0x66 ? false : null;
    }
    return this.#fail("syntax", Number.isNaN(c) ? "unexpected end of input" : "expected a JSON value");
  }

  #string(): string {
    const text = this.#text;
    const start = this.#at;
    const from = start + 1;
    const quote = text.indexOf('"', from);
    if (quote === -1) this.#fail("syntax", "unterminated string", start);
    if (this.#nextBackslash < from) this.#nextBackslash = indexOrEnd(text, "\\", from);
    // The common case, no escape before the closing quote: one native slice and two native checks.
    if (this.#nextBackslash > quote) {
      const value = text.slice(from, quote);
      if (this.#hasControl && CONTROL.test(value)) this.#fail("syntax", "unescaped control character in a string", start);
      this.#at = quote + 1;
      return this.#wellFormed ? value : this.#unicode(value, start);
    }
    return this.#escapedString(start);
  }

  #escapedString(start: number): string {
    // JSON.stringify writes a string with escapes only where it needs them, and not always these.
    this.#canonical = false;
    const text = this.#text;
    this.#at = start + 1;
    const parts: string[] = [];
    let run = this.#at;
    for (;;) {
      const c = text.charCodeAt(this.#at);
      if (c === QUOTE) break;
      if (Number.isNaN(c)) this.#fail("syntax", "unterminated string", start);
      if (c < 0x20) this.#fail("syntax", "unescaped control character in a string");
      if (c !== BACKSLASH) {
        this.#at += 1;
        continue;
      }
      parts.push(text.slice(run, this.#at));
      const e = text.charCodeAt(this.#at + 1);
      const short = SHORT_ESCAPES[e];
      if (short !== undefined) {
        parts.push(short);
        this.#at += 2;
      } else if (e === 0x75) {
        const code = hex4(text, this.#at + 2);
        if (code < 0) this.#fail("syntax", "\\u must be followed by four hex digits");
        parts.push(String.fromCharCode(code));
        this.#at += 6;
      } else {
        this.#fail("syntax", "invalid escape in a string");
      }
      run = this.#at;
    }
    parts.push(text.slice(run, this.#at));
    this.#at += 1;
    // Checked on the decoded value: an escaped high surrogate followed by a raw low one is a pair.
    return this.#unicode(parts.join(""), start);
  }

  /** A decoded string as Unicode: refused, or its lone surrogates replaced, when it is not well-formed. */
  #unicode(value: string, start: number): string {
    if (value.isWellFormed()) return value;
    this.#canonical = false;
    if (this.#replaceLoneSurrogates) return value.toWellFormed();
    return this.#fail("lone_surrogate", "a string holds a lone surrogate (not valid Unicode)", start);
  }

  #number(): number {
    const text = this.#text;
    const start = this.#at;
    if (text.charCodeAt(this.#at) === 0x2d) this.#at += 1;
    const first = text.charCodeAt(this.#at);
    if (first === 0x30) this.#at += 1;
    else if (first >= 0x31 && first <= 0x39) this.#digits();
    else this.#fail("syntax", "a number needs digits");
    if (text.charCodeAt(this.#at) === 0x2e) {
      this.#at += 1;
      if (this.#digits() === 0) this.#fail("syntax", "a fraction needs digits");
    }
    const e = text.charCodeAt(this.#at);
    if (e === 0x65 || e === 0x45) {
      this.#at += 1;
      const sign = text.charCodeAt(this.#at);
      if (sign === 0x2b || sign === 0x2d) this.#at += 1;
      if (this.#digits() === 0) this.#fail("syntax", "an exponent needs digits");
    }
    const literal = text.slice(start, this.#at);
    const value = Number(literal);
    // What JSON.stringify writes: for a finite number String()'s text, for a non-finite one "null" (no
    // JSON form at all, so never the literal). Not String() itself: V8 keeps its results in a number-string
    // cache, where every distinct number a model writes would outlive a young-generation collection.
    const written = JSON.stringify(value);
    if (this.#canonical && written !== literal) this.#canonical = false;
    if (this.#canonicalNumbers && written !== literal) {
      this.#fail("non_canonical_number", `the number ${literal.slice(0, 40)} is not written as ${written}`, start);
    }
    if (this.#exactNumbers && (!Number.isFinite(value) || decimalDigits(literal) !== decimalDigits(written))) {
      const read = Number.isFinite(value) ? String(value) : "infinity";
      this.#fail("inexact_number", `the number ${literal.slice(0, 40)} reads as ${read} in a double but means another value to an exact reader`, start);
    }
    return value;
  }

  #digits(): number {
    const from = this.#at;
    for (let c = this.#text.charCodeAt(this.#at); c >= 0x30 && c <= 0x39; c = this.#text.charCodeAt(this.#at)) this.#at += 1;
    return this.#at - from;
  }

  #skipSpace(): void {
    const from = this.#at;
    for (let c = this.#text.charCodeAt(this.#at); c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = this.#text.charCodeAt(this.#at)) {
      this.#at += 1;
    }
    if (this.#at !== from) this.#canonical = false;
  }

  #fail(problem: JsonScanProblem, message: string, offset: number = this.#at): never {
    throw new ScanFailure(problem, offset, `${message} (at offset ${offset})`);
  }
}

const CONTROL = /[\u0000-\u001f]/;

/**
 * A JSON number's value as significant digits and the position of the decimal
 * point ("1.10" and "11e-1" are both "11@1"; every zero is "0"): equal for two
 * texts exactly when they denote the same decimal value. Linear in the text.
 */
function decimalDigits(numberText: string): string {
  let at = 0;
  const negative = numberText.charCodeAt(0) === 0x2d;
  if (negative) at = 1;
  let digits = "";
  let point = -1;
  let end = numberText.length;
  const e = numberText.search(/[eE]/);
  if (e >= 0) end = e;
  for (; at < end; at++) {
    const c = numberText[at]!;
    if (c === ".") point = digits.length;
    else digits += c;
  }
  let pointAt = (point < 0 ? digits.length : point) + (e >= 0 ? Number(numberText.slice(e + 1)) : 0);
  let first = 0;
  while (first < digits.length && digits.charCodeAt(first) === 0x30) {
    first += 1;
    pointAt -= 1;
  }
  let last = digits.length;
  while (last > first && digits.charCodeAt(last - 1) === 0x30) last -= 1;
  if (first === last) return "0";
  return `${negative ? "-" : ""}${digits.slice(first, last)}@${pointAt}`;
}

function indexOrEnd(text: string, search: string, from: number): number {
  const i = text.indexOf(search, from);
  return i === -1 ? text.length : i;
}

/** The value of four hex digits at `at`, or -1. */
function hex4(text: string, at: number): number {
  let code = 0;
  for (let i = at; i < at + 4; i++) {
    const c = text.charCodeAt(i);
    const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
    if (digit < 0) return -1;
    code = code * 16 + digit;
  }
  return code;
}
