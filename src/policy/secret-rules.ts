import { readFileSync } from "node:fs";
import path from "node:path";
import { declarePrefilter } from "./builtins/regex.ts";
import { KeywordSearch } from "./keyword-search.ts";
import { FRAMEWORK_DIR } from "./package-files.ts";

/** The secret formats redact_secrets and the decision log redact (data, shipped with the framework). */
export const SECRET_RULES_FILE = path.join(FRAMEWORK_DIR, "secret_rules.json");

/** One secret format: `prefix` and `suffix` are kept, what `regex` matches becomes the replacement. */
export interface SecretRule {
  id: string;
  description: string;
  source: string;
  prefix?: string;
  regex: string;
  suffix?: string;
  /** Lower-case literals; every match, lower-cased, contains one of them. */
  keywords: string[];
}

/** framework/secret_rules.json, as it reaches the policy at data.toolgate.secret_rules. */
export interface SecretRules {
  upstream: { package: string; version: string; license: string; repository: string };
  replacement: string;
  rules: SecretRule[];
}

/**
 * All rules as one alternation, replaced in one pass (leftmost matches win, so
 * overlapping rules cannot leave part of a secret behind). Rule i becomes
 * (?:(prefix)(?:regex)(suffix)): its prefix is group 2i+1 and its suffix group
 * 2i+2, so `substitution` ($1$3...[REDACTED]$2$4...) puts back whichever pair
 * matched (unmatched groups are empty, in RE2 and JavaScript alike).
 */
export interface CombinedSecretPattern {
  pattern: string;
  substitution: string;
}

/** The one builder of the combined pattern: the bundle data (for Rego) and the log's redactor use it. */
export function combinedSecretPattern(rules: SecretRules): CombinedSecretPattern {
  const alternatives = rules.rules.map((r) => `(?:(${r.prefix ?? ""})(?:${r.regex})(${r.suffix ?? ""}))`);
  const groups = (offset: number) => alternatives.map((_, i) => `$${2 * i + offset}`).join("");
  return { pattern: alternatives.join("|"), substitution: `${groups(1)}${rules.replacement}${groups(2)}` };
}

/**
 * The combined pattern puts each rule's prefix and suffix in a group of its
 * own and refers to them as `$1`..`$98` in the replacement (two digits at most
 * in JavaScript), so there is room for 49 rules.
 */
export const MAX_SECRET_RULES = 49;

const isString = (v: unknown): v is string => typeof v === "string";

/** A capturing group: `(` not escaped, not in a class, not followed by `?`. */
function hasCapturingGroup(pattern: string): boolean {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") i++;
    else if (inClass) inClass = c !== "]";
    else if (c === "[") inClass = true;
    else if (c === "(" && pattern[i + 1] !== "?") return true;
  }
  return false;
}

/** What is wrong with a rules document, or undefined when the gate and the policy can use it. */
export function secretRulesProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return "not a JSON object";
  const doc = value as Partial<SecretRules>;
  if (!isString(doc.replacement) || doc.replacement.includes("$")) return "replacement must be a string without $";
  if (!Array.isArray(doc.rules) || doc.rules.length === 0) return "rules must be a non-empty list";
  if (doc.rules.length > MAX_SECRET_RULES) return `at most ${MAX_SECRET_RULES} rules`;
  for (const [i, rule] of doc.rules.entries()) {
    const where = `rules[${i}]`;
    if (rule === null || typeof rule !== "object") return `${where} is not an object`;
    if (!isString(rule.id) || !isString(rule.regex) || rule.regex === "") return `${where} needs a string id and a non-empty regex`;
    for (const key of ["prefix", "regex", "suffix"] as const) {
      const part = rule[key];
      if (part === undefined) continue;
      if (!isString(part)) return `${where}.${key} must be a string`;
      if (hasCapturingGroup(part)) return `${where}.${key} must not have a capturing group: write (?:...)`;
      try {
        new RegExp(part, "u");
      } catch (err) {
        return `${where}.${key} is not a valid pattern: ${(err as Error).message}`;
      }
    }
    if (!Array.isArray(rule.keywords) || !rule.keywords.every((k) => isString(k) && k !== "" && k === k.toLowerCase())) {
      return `${where}.keywords must be a list of non-empty lower-case strings`;
    }
  }
  return undefined;
}

/** Reads and checks a rules file; undefined when it is missing or unusable (the policy then denies with secret_rules_missing). */
export function readSecretRules(file: string = SECRET_RULES_FILE): SecretRules | undefined {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
  return secretRulesProblem(value) === undefined ? (value as SecretRules) : undefined;
}

/** Keyword lists already declared, per combined pattern. */
const declared = new Map<string, Set<string>>();

/**
 * Lets regex.replace skip the combined pattern on a text holding none of the
 * rules' keywords (every match, lower-cased, contains one: the rules file's
 * promise, which redact_secrets and the log redactor rely on), for the policy
 * (the bundle's rules) and the decision log (the shipped rules) alike.
 */
export function declareSecretRulesPrefilter(rules: SecretRules): void {
  const { pattern } = combinedSecretPattern(rules);
  const keywords = rules.rules.flatMap((r) => r.keywords);
  const key = JSON.stringify(keywords);
  const seen = declared.get(pattern) ?? new Set<string>();
  if (seen.has(key)) return;
  if (declared.size >= 16) declared.clear();
  seen.add(key);
  declared.set(pattern, seen);
  const search = new KeywordSearch(keywords);
  declarePrefilter(pattern, (s) => search.foundIn(s.toLowerCase()));
}
