/**
 * Finds the rules of a Rego file by line, without running opa: the package,
 * and each top-level rule's first and last line. Enough to name a test by
 * file:line, to map an opa error to the test it sits in, and to blank a test
 * out of a copy of the file while keeping every other line where it was.
 */
export interface RegoRule {
  name: string;
  /** 1-based first line of this definition. */
  line: number;
  /** 1-based last line of this definition (trailing blank and comment lines excluded). */
  endLine: number;
}

export interface RegoTestRule extends RegoRule {
  /** `todo_test_*`: reported as skipped, as opa test does. */
  skip: boolean;
}

export interface RegoSource {
  /** Dotted package path, e.g. `toolgate.rules_test`. */
  package: string;
  rules: RegoRule[];
  /** Test definitions (`test_*`, `todo_test_*`); a name defined twice appears twice. */
  tests: RegoTestRule[];
}

const KEYWORDS = new Set(["package", "import", "default"]);

/** Marks, per line, whether it starts inside a multi-line raw string (`...`). */
function rawStringStarts(lines: string[]): boolean[] {
  const inside: boolean[] = [];
  let raw = false;
  for (const line of lines) {
    inside.push(raw);
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (raw) {
        if (ch === "`") raw = false;
      } else if (quoted) {
        if (ch === "\\") i++;
        else if (ch === '"') quoted = false;
      } else if (ch === "#") {
        break;
      } else if (ch === '"') {
        quoted = true;
      } else if (ch === "`") {
        raw = true;
      }
    }
  }
  return inside;
}

export function parseRegoSource(text: string): RegoSource {
  const lines = text.split("\n");
  const inRaw = rawStringStarts(lines);
  let pkg = "";
  const starts: Array<{ name: string; index: number }> = [];
  lines.forEach((line, index) => {
    if (inRaw[index]) return;
    const pkgMatch = /^package\s+([A-Za-z_][\w.]*)/.exec(line);
    if (pkgMatch) {
      pkg = pkgMatch[1]!;
      return;
    }
    const m = /^(?:default\s+)?([A-Za-z_]\w*)/.exec(line);
    if (m && !KEYWORDS.has(m[1]!)) starts.push({ name: m[1]!, index });
  });
  const rules: RegoRule[] = starts.map((start, k) => {
    let end = (k + 1 < starts.length ? starts[k + 1]!.index : lines.length) - 1;
    while (end > start.index && /^\s*(#.*)?$/.test(lines[end]!)) end--;
    return { name: start.name, line: start.index + 1, endLine: end + 1 };
  });
  const tests = rules
    .filter((r) => r.name.startsWith("test_") || r.name.startsWith("todo_test_"))
    .map((r) => ({ ...r, skip: r.name.startsWith("todo_") }));
  return { package: pkg, rules, tests };
}

/** The entrypoint opa build takes for a rule: `toolgate.rules_test` + `test_x` -> `toolgate/rules_test/test_x`. */
export function entrypointOf(pkg: string, rule: string): string {
  return [...pkg.split("."), rule].join("/");
}

/** The rule whose definition spans `line`, if any. */
export function ruleAt<R extends RegoRule>(rules: readonly R[], line: number): R | undefined {
  return rules.find((r) => r.line <= line && line <= r.endLine);
}

/** The file text with lines [from, to] (1-based) emptied: line numbers of the rest stay valid. */
export function blankLines(text: string, from: number, to: number): string {
  return text
    .split("\n")
    .map((line, i) => (i + 1 >= from && i + 1 <= to ? "" : line))
    .join("\n");
}
