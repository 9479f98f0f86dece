// regex.replace and regex.split as OPA's Go builtins compute them
// (regexp.ReplaceAllString, regexp.Split), on RE2JS: RE2 syntax and time
// linear in the text whatever the pattern, so a policy's own pattern cannot
// be made to backtrack on what a model writes (`\s+$` on 32,000 spaces takes
// V8 a second). Positions are UTF-16 indexes; a string from the policy has no
// lone surrogate (OPA's JSON replaces them), so a step of one code point is
// Go's step of one rune.
import { createRequire } from "node:module";
import type { RE2JS } from "re2js";

// Loaded on the first pattern that needs it (~8 ms): the shipped policy's
// patterns are all the framework's, so a gate that runs no policy pattern of
// its own never pays for it at start.
let re2js: typeof import("re2js") | undefined;
function loadRe2js(): typeof import("re2js") {
  re2js ??= createRequire(import.meta.url)("re2js") as typeof import("re2js");
  return re2js;
}

/** One match: its span, and each group's text (undefined when the group did not take part). */
export interface RegexpMatch {
  start: number;
  end: number;
  group(i: number): string | undefined;
}

/** A search of one text: the leftmost match starting at or after pos, if any. */
export type Search = (pos: number) => RegexpMatch | undefined;

/** A pattern as Go's regexp package reads it, searched by some engine. */
export interface GoPattern {
  /** The pattern is "" (regexp.Split's special case). */
  readonly empty: boolean;
  /** The number of capturing groups. */
  readonly groups: number;
  /** Group numbers by name, in order: Go allows one name on several groups. */
  readonly names: ReadonlyMap<string, readonly number[]>;
  searcher(s: string): Search;
}

/** A pattern on RE2JS; the constructor throws for one Go's regexp rejects. */
export class Re2Pattern implements GoPattern {
  readonly empty: boolean;
  readonly groups: number;
  readonly names: ReadonlyMap<string, readonly number[]>;
  private readonly re: RE2JS;

  constructor(pattern: string) {
    const { unnamed, names } = withoutGroupNames(pattern);
    this.re = loadRe2js().RE2JS.compile(unnamed);
    this.empty = pattern.length === 0;
    this.groups = this.re.groupCount();
    this.names = names;
  }

  searcher(s: string): Search {
    const m = this.re.matcher(s);
    const match: RegexpMatch = { start: 0, end: 0, group: (i) => m.group(i) ?? undefined };
    return (pos) => {
      if (!m.find(pos)) return undefined;
      match.start = m.start();
      match.end = m.end();
      return match;
    };
  }
}

/** regexp.ReplaceAllString(s, template): $n, ${n}, $name, ${name} expanded, $$ a dollar. */
export function goReplaceAll(pattern: GoPattern, s: string, template: string): string {
  const search = pattern.searcher(s);
  let out = "";
  let lastMatchEnd = 0;
  let searchPos = 0;
  let m: RegexpMatch | undefined;
  while (searchPos <= s.length && (m = search(searchPos)) !== undefined) {
    const { start, end } = m;
    out += s.slice(lastMatchEnd, start);
    // No replacement for an empty match right after another match.
    if (end > lastMatchEnd || start === 0) out += expand(pattern, template, m);
    lastMatchEnd = end;
    const width = searchPos < s.length ? codePointWidth(s, searchPos) : 1;
    searchPos = searchPos + width > end ? searchPos + width : end;
  }
  return out + s.slice(lastMatchEnd);
}

/** regexp.Split(s, -1). */
export function goSplit(pattern: GoPattern, s: string): string[] {
  if (s.length === 0 && !pattern.empty) return [""];
  const parts: string[] = [];
  let begin = 0;
  let end = 0;
  for (const [start, stop] of allMatches(pattern, s)) {
    end = start;
    if (stop !== 0) parts.push(s.slice(begin, end));
    begin = stop;
  }
  if (end !== s.length) parts.push(s.slice(begin));
  return parts;
}

/** regexp.FindAllStringIndex(s, -1): successive matches, an empty match right after a match skipped. */
function allMatches(pattern: GoPattern, s: string): Array<[number, number]> {
  const search = pattern.searcher(s);
  const out: Array<[number, number]> = [];
  let pos = 0;
  let prevEnd = -1;
  let m: RegexpMatch | undefined;
  while (pos <= s.length && (m = search(pos)) !== undefined) {
    const { start, end } = m;
    let accept = true;
    if (end === pos) {
      if (start === prevEnd) accept = false;
      pos += pos < s.length ? codePointWidth(s, pos) : 1;
    } else {
      pos = end;
    }
    prevEnd = end;
    if (accept) out.push([start, end]);
  }
  return out;
}

/** Go's Regexp.expand: a malformed $ is kept as text, an unknown or unmatched group is empty. */
function expand(pattern: GoPattern, template: string, m: RegexpMatch): string {
  let out = "";
  let i = 0;
  for (;;) {
    const dollar = template.indexOf("$", i);
    if (dollar < 0) return out + template.slice(i);
    out += template.slice(i, dollar);
    i = dollar + 1;
    if (template[i] === "$") {
      out += "$";
      i += 1;
      continue;
    }
    const ref = readReference(template, i);
    if (ref === undefined) {
      out += "$";
      continue;
    }
    i = ref.next;
    const num = groupNumber(ref.name);
    const groups = num >= 0 ? (num <= pattern.groups ? [num] : []) : (pattern.names.get(ref.name) ?? []);
    for (const group of groups) {
      const text = m.group(group);
      if (text !== undefined) {
        out += text;
        break;
      }
    }
  }
}

function codePointWidth(s: string, at: number): number {
  return (s.codePointAt(at) ?? 0) > 0xffff ? 2 : 1;
}

const NAME_CHAR = /[\p{L}\p{Nd}_]/uy;

/** Go's extract: a name of letters, digits and _ (in braces or not) after a $. */
function readReference(template: string, from: number): { name: string; next: number } | undefined {
  let i = from;
  const brace = template[i] === "{";
  if (brace) i += 1;
  const nameStart = i;
  for (;;) {
    NAME_CHAR.lastIndex = i;
    if (i >= template.length || !NAME_CHAR.test(template)) break;
    i += codePointWidth(template, i);
  }
  if (i === nameStart) return undefined;
  const name = template.slice(nameStart, i);
  if (brace) {
    if (template[i] !== "}") return undefined;
    i += 1;
  }
  return { name, next: i };
}

/** The group number a name spells (no leading zero, below 1e8), or -1. */
function groupNumber(name: string): number {
  if (name.length > 1 && name[0] === "0") return -1;
  let num = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 48 || c > 57 || num >= 1e8) return -1;
    num = num * 10 + (c - 48);
  }
  return num;
}

const GROUP_NAME = /\(\?P?<([^>]*)>/y;

/**
 * The pattern with (?P<name>...) and (?<name>...) made plain groups, and the
 * names by group number: Go accepts a name on several groups (its expand
 * takes the first that matched), RE2JS does not. A name Go rejects (empty,
 * or other than ASCII letters, digits and _) is left for RE2JS to reject.
 */
function withoutGroupNames(pattern: string): { unnamed: string; names: Map<string, number[]> } {
  const names = new Map<string, number[]>();
  let out = "";
  let group = 0;
  let inClass = false;
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "\\") {
      // \Q...\E is literal text up to \E or the end.
      const end = pattern[i + 1] === "Q" ? pattern.indexOf("\\E", i + 2) : -1;
      const next = pattern[i + 1] === "Q" ? (end < 0 ? pattern.length : end + 2) : i + 2;
      out += pattern.slice(i, next);
      i = next;
      continue;
    }
    if (inClass) {
      if (c === "[" && pattern[i + 1] === ":") {
        const close = pattern.indexOf(":]", i + 2);
        const next = close < 0 ? i + 1 : close + 2;
        out += pattern.slice(i, next);
        i = next;
        continue;
      }
      if (c === "]") inClass = false;
      out += c;
      i += 1;
      continue;
    }
    if (c === "[") {
      inClass = true;
      // A ] right after [ or [^ is a literal.
      let next = i + 1;
      if (pattern[next] === "^") next += 1;
      if (pattern[next] === "]") next += 1;
      out += pattern.slice(i, next);
      i = next;
      continue;
    }
    if (c === "(") {
      GROUP_NAME.lastIndex = i;
      const named = GROUP_NAME.exec(pattern);
      if (named && /^[A-Za-z0-9_]+$/.test(named[1]!)) {
        group += 1;
        names.set(named[1]!, [...(names.get(named[1]!) ?? []), group]);
        out += "(";
        i = GROUP_NAME.lastIndex;
        continue;
      }
      if (pattern[i + 1] !== "?") group += 1;
    }
    out += c;
    i += 1;
  }
  return { unnamed: out, names };
}
