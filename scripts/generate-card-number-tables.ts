// Regenerates framework/toolgate/card_number_tables.rego: the constant tables
// the no_card_numbers constraint (framework/toolgate/card_numbers.rego) runs on.
// - which characters are digits, from Node's Unicode data: every \p{Nd} digit
//   (its value is its place in its block of ten), every character whose NFKC
//   form is digits and punctuation only (superscripts, circled and
//   parenthesized numbers, vulgar fractions: each becomes its digits), and the
//   dingbat circled digits, which have no decomposition;
// - the Luhn machinery: per-parity term maps, the prefix-sum rounds and the
//   window pattern (see card_numbers.rego for how they fit together).
// Run: node scripts/generate-card-number-tables.ts
import { writeFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const out = path.join(root, "framework", "toolgate", "card_number_tables.rego");

/** Circled digits in dingbat blocks: no NFKC decomposition, so listed by hand (first code point, values). */
const DINGBAT_DIGITS: Array<[number, number[]]> = [
  [0x24eb, [11, 12, 13, 14, 15, 16, 17, 18, 19, 20]], // ⓫..⓴ negative circled
  [0x24f5, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]], // ⓵..⓾ double circled
  [0x24ff, [0]], // ⓿
  [0x2776, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]], // ❶..❿
  [0x2780, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]], // ➀..➉
  [0x278a, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]], // ➊..➓
  [0x1f10b, [0, 0]], // 🄋 🄌
];

const isNd = (s: string): boolean => /^\p{Nd}$/u.test(s);

/** Value of every \p{Nd} code point: Unicode assigns decimal digits in runs of ten, 0 to 9. */
function decimalDigits(): Map<number, number> {
  const values = new Map<number, number>();
  let runStart = -1;
  for (let c = 0; c <= 0x110000; c++) {
    const digit = c <= 0x10ffff && !(c >= 0xd800 && c <= 0xdfff) && isNd(String.fromCodePoint(c));
    if (digit && runStart < 0) runStart = c;
    if (!digit && runStart >= 0) {
      if ((c - runStart) % 10 !== 0) throw new Error(`Nd run at U+${runStart.toString(16)} is not a multiple of ten long`);
      for (let d = runStart; d < c; d++) values.set(d, (d - runStart) % 10);
      runStart = -1;
    }
  }
  return values;
}

function digitMap(): Map<string, string> {
  const nd = decimalDigits();
  const ascii = (s: string): string =>
    [...s].filter(isNd).map((ch) => String(nd.get(ch.codePointAt(0)!))).join("");
  const map = new Map<string, string>();
  for (let c = 0; c <= 0x10ffff; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    if (c >= 0x30 && c <= 0x39) continue; // already ASCII
    const ch = String.fromCodePoint(c);
    if (nd.has(c)) {
      map.set(ch, String(nd.get(c)));
      continue;
    }
    const nfkc = ch.normalize("NFKC");
    if (nfkc !== ch && /\p{Nd}/u.test(nfkc) && !/[\p{L}\p{M}]/u.test(nfkc)) map.set(ch, ascii(nfkc));
  }
  for (const [first, values] of DINGBAT_DIGITS) {
    values.forEach((v, i) => map.set(String.fromCodePoint(first + i), String(v)));
  }
  return map;
}

// Luhn machinery. Each position of the work string is two characters, a kind
// and a value 0-9: "p" a digit position, "e" a digit position where a window
// of this parity may end, "o" no digit (between candidates, or padding).
// Before the terms are made, "x" separates candidates; "#" is a zero shifted
// in. Nothing that follows a $n in a round template may be a letter, digit
// or "_": Go would read it as part of the group's name ($1z is group "1z"),
// JavaScript not.
const DOUBLED = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9];
/** Positions per record: at least 2 x 20 (two tilings, windows of up to 19 plus their start), at most 49 (JavaScript's $nn stops at 99 groups). */
const RECORD = 40;

/** Terms for windows ending at an even (parity 0) or odd (parity 1) index: that index's digit is plain and a window end, every other one doubled. */
function termMap(parity: 0 | 1): Record<string, string> {
  const term = (ch: string, atEnd: boolean): string => {
    if (ch === "x") return "o0";
    const v = Number(ch);
    return atEnd ? `e${v}` : `p${DOUBLED[v]}`;
  };
  const map: Record<string, string> = {};
  const chars = ["x", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
  for (const a of chars) for (const b of chars) map[a + b] = term(a, parity === 0) + term(b, parity === 1);
  return map;
}

/** (current value, earlier value or #) -> their sum mod 10; the kind before them is copied through. */
function pairSums(): Record<string, string> {
  const map: Record<string, string> = {};
  for (let current = 0; current < 10; current++) {
    map[`${current}#`] = String(current);
    for (let earlier = 0; earlier < 10; earlier++) map[`${current}${earlier}`] = String((current + earlier) % 10);
  }
  return map;
}

/** Group 2i-1 is position i (kind and value), group 2i its value alone. */
const recordPattern = "([peo]([0-9]))".repeat(RECORD);

/** Round d of the in-record prefix sums: each position followed by the value d positions before it (or #). */
function roundTemplate(d: number, last: boolean): string {
  const parts: string[] = [];
  for (let i = 1; i <= RECORD; i++) parts.push(i > d ? `$${2 * i - 1}$${2 * (i - d)}` : `$${2 * i - 1}#`);
  return parts.join("") + (last ? "|" : "");
}

function windowPattern(): string {
  return Array.from({ length: 10 }, (_, v) => `[peo]${v}(?:[pe][0-9]){12,18}e${v}`).join("|");
}

// Written the way opa fmt prints a one-line composite, so the file is fmt-clean as generated.
const rego = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(rego).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${rego(v)}`).join(", ")}}`;
  }
  return JSON.stringify(value);
};
const sortedObject = (m: Map<string, string> | Record<string, string>): Record<string, string> =>
  Object.fromEntries([...(m instanceof Map ? m.entries() : Object.entries(m))].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

const digits = sortedObject(digitMap());
const MAP_KEYS = 64;
const digitEntries = Object.entries(digits);
const digitMaps = Array.from({ length: Math.ceil(digitEntries.length / MAP_KEYS) }, (_, i) =>
  Object.fromEntries(digitEntries.slice(i * MAP_KEYS, (i + 1) * MAP_KEYS)));

/** The mapped characters as a regex class body of literal characters and ranges (the same in RE2 and JavaScript's u mode). */
function digitClass(chars: string[]): string {
  const points = chars.map((c) => c.codePointAt(0)!).sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < points.length; ) {
    let j = i;
    while (j + 1 < points.length && points[j + 1] === points[j]! + 1) j++;
    const from = String.fromCodePoint(points[i]!);
    parts.push(j === i ? from : `${from}-${String.fromCodePoint(points[j]!)}`);
    i = j + 1;
  }
  return parts.join("");
}
const lines = [
  "# Code generated by scripts/generate-card-number-tables.ts; DO NOT EDIT.",
  `# Unicode data: Node ${process.versions.node} (ICU ${process.versions.icu}, Unicode ${process.versions.unicode}).`,
  "package toolgate.constraints",
  "",
  `# Every non-ASCII character read as digits (${Object.keys(digits).length}), to its ASCII digits, in`,
  `# maps of at most ${MAP_KEYS} keys applied one after the other: opa-wasm's strings.replace_n sorts its`,
  "# keys by insertion sort on every call, so one map of them all costs milliseconds.",
  `_card_digit_maps := [${digitMaps.map(rego).join(", ")}]`,
  "",
  `_card_ascii_digits(s) := ${digitMaps.reduce((inner, _, i) => `strings.replace_n(_card_digit_maps[${i}], ${inner})`, "s")}`,
  "",
  "# The same characters as a regex class body.",
  `_card_digit_class := ${rego(digitClass(Object.keys(digits)))}`,
  "",
  "# Luhn terms for windows ending at an even index (0) and at an odd index (1).",
  `_card_term_maps := ${rego([sortedObject(termMap(0)), sortedObject(termMap(1))])}`,
  "",
  `# One ${RECORD}-position record, and a record of padding.`,
  `_card_record_pattern := ${rego(recordPattern)}`,
  "",
  `_card_record_positions := ${RECORD}`,
  "",
  `_card_padding := ${rego("o0".repeat(RECORD))}`,
  "",
  "# Prefix-sum rounds: shift by 1, 2, 4, 8, 16, 32 within each record (the last also ends it with |).",
  `_card_rounds := ${rego([1, 2, 4, 8, 16, 32].map((d) => roundTemplate(d, d === 32)))}`,
  "",
  "# (current value, earlier value) -> their sum mod 10.",
  `_card_pair_sums := ${rego(sortedObject(pairSums()))}`,
  "",
  "# Two equal prefix sums 13 to 19 positions apart, digit positions between, the later one a window end.",
  `_card_window_pattern := ${rego(windowPattern())}`,
  "",
];
writeFileSync(out, lines.join("\n"));
process.stdout.write(`wrote ${path.relative(root, out)}: ${Object.keys(digits).length} digit characters\n`);
