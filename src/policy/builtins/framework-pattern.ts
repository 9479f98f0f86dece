// The framework's own patterns run on V8's RegExp (fast; each read for linear
// time and written in the subset that means the same in RE2), searched here
// with Go's replace and split rules (go-regexp.ts) when a template would mean
// something else to String.prototype.replace. FrameworkAlternation is "F|R"
// where F is a framework pattern and R anything else: what redact_secrets
// builds from the shipped rules and a policy's secret_patterns. F runs on V8,
// R on RE2JS (linear whatever it is), and their matches are merged as Go's
// leftmost-first alternation picks them: the match that starts first, F's on
// a tie. Alternation is associative, so F|R means (F)|(R) whatever F's own
// alternatives (a framework pattern sets no flags outside a group, which
// would reach into R: test/policy/framework-patterns.test.ts).
import type { GoPattern, RegexpMatch, Search } from "./go-regexp.ts";
import { Re2Pattern } from "./go-regexp.ts";

/** A framework pattern on V8. */
export class FrameworkPattern implements GoPattern {
  readonly empty: boolean;
  readonly groups: number;
  readonly names: ReadonlyMap<string, readonly number[]> = new Map();
  /** Global and unicode: lastIndex is set before every use. */
  readonly re: RegExp;
  /** False only for a text the pattern cannot match (regex.ts declarePrefilter). */
  readonly mayMatch: ((s: string) => boolean) | undefined;
  private readonly plainTemplates = new Map<string, boolean>();

  constructor(pattern: string, mayMatch: ((s: string) => boolean) | undefined) {
    this.re = new RegExp(pattern, "gu");
    this.empty = pattern.length === 0;
    this.groups = new RegExp(`${pattern}|`, "u").exec("")!.length - 1;
    this.mayMatch = mayMatch;
  }

  searcher(s: string): Search {
    const re = this.re;
    let found: RegexpMatch | null | undefined = this.mayMatch !== undefined && !this.mayMatch(s) ? null : undefined;
    return (pos) => {
      // A match found from an earlier position is still the answer up to its start (no match starts between).
      if (found === null) return undefined;
      if (found === undefined || found.start < pos) {
        re.lastIndex = pos;
        const m = re.exec(s);
        found = m === null ? null : { start: m.index, end: m.index + m[0].length, group: (i) => m[i] };
      }
      return found ?? undefined;
    };
  }

  /**
   * Whether String.prototype.replace reads template as Go's expand does: every
   * $ is $$, or one or two digits naming a group of the pattern followed by
   * something that cannot continue a Go group name.
   */
  readsTemplateAsGo(template: string): boolean {
    let plain = this.plainTemplates.get(template);
    if (plain === undefined) {
      plain = templateReadAlike(template, this.groups);
      if (this.plainTemplates.size >= 64) this.plainTemplates.clear();
      this.plainTemplates.set(template, plain);
    }
    return plain;
  }
}

const NAME_CHAR = /[\p{L}\p{Nd}_]/u;

function templateReadAlike(template: string, groups: number): boolean {
  for (let i = template.indexOf("$"); i >= 0; i = template.indexOf("$", i)) {
    if (template[i + 1] === "$") {
      i += 2;
      continue;
    }
    const digits = /^[1-9][0-9]?/.exec(template.slice(i + 1, i + 3))?.[0];
    if (digits === undefined || Number(digits) > groups) return false;
    i += 1 + digits.length;
    const next = template.codePointAt(i);
    if (next !== undefined && NAME_CHAR.test(String.fromCodePoint(next))) return false;
  }
  return true;
}

export class FrameworkAlternation implements GoPattern {
  readonly empty = false;
  readonly groups: number;
  readonly names: ReadonlyMap<string, readonly number[]>;
  private readonly first: FrameworkPattern;
  private readonly rest: Re2Pattern;

  constructor(first: FrameworkPattern, rest: string) {
    this.first = first;
    this.rest = new Re2Pattern(rest);
    this.groups = first.groups + this.rest.groups;
    this.names = new Map([...this.rest.names].map(([name, groups]) => [name, groups.map((g) => g + first.groups)]));
  }

  searcher(s: string): Search {
    const offset = this.first.groups;
    const searchFirst = this.first.searcher(s);
    const searchRest = this.rest.searcher(s);
    // R's last match, with its groups numbered after F's: the answer up to its start; null once R has none left.
    let fromRest: RegexpMatch | null | undefined;
    return (pos) => {
      const first = searchFirst(pos);
      if (fromRest !== null && (fromRest === undefined || fromRest.start < pos)) {
        const found = searchRest(pos);
        fromRest = found === undefined ? null : { start: found.start, end: found.end, group: (i) => (i === 0 ? found.group(0) : i > offset ? found.group(i - offset) : undefined) };
      }
      return first !== undefined && (fromRest === null || first.start <= fromRest.start) ? first : (fromRest ?? undefined);
    };
  }
}
