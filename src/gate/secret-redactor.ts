import { compilesAsPattern, replaceAll } from "../policy/builtins/regex.ts";
import { combinedSecretPattern, declareSecretRulesPrefilter, readSecretRules, type SecretRules } from "../policy/secret-rules.ts";

const FALLBACK_REPLACEMENT = "[REDACTED]";

/**
 * Redacts secrets in text and JSON values with the same rules, the same
 * combined pattern and the same replacement as the framework's redact_secrets
 * (framework/toolgate/redact_secrets.rego), for what the gate writes to the
 * decision log. Fail closed: without usable rules, or with a custom pattern
 * regex.replace rejects, every string is replaced whole.
 */
export class SecretRedactor {
  readonly replacement: string;
  /** The combined pattern (plus custom ones) as regex.replace reads it; undefined when regex.replace rejects it. */
  private readonly pattern: string | undefined;
  private readonly substitution: string;

  constructor(rules: SecretRules | undefined, customPatterns: readonly string[] = []) {
    this.replacement = rules?.replacement ?? FALLBACK_REPLACEMENT;
    const combined = rules ? combinedSecretPattern(rules) : undefined;
    this.substitution = combined?.substitution ?? this.replacement;
    let pattern: string | undefined;
    if (combined) {
      // The pattern redact_secrets.rego builds (_secret_pattern), so a text the policy just redacted is answered from memory.
      pattern = [combined.pattern, ...customPatterns.map((p) => `(?:${p})`)].join("|");
      if (!compilesAsPattern(pattern)) pattern = undefined;
      // Without custom patterns, a text holding no rule keyword is not searched (custom patterns have no keywords).
      if (customPatterns.length === 0) declareSecretRulesPrefilter(rules!);
    }
    this.pattern = pattern;
  }

  /** The text with every secret replaced; the whole text replaced when redaction cannot run. */
  redactText(text: string): string {
    if (this.pattern === undefined) return text === "" ? text : this.replacement;
    return replaceAll(text, this.pattern, this.substitution);
  }

  /**
   * The JSON value with every string (object keys included) redacted: a copy
   * where anything changed, the value itself where nothing did (so a caller
   * tells "nothing redacted" by identity, without comparing the two).
   */
  redactValue<T>(value: T): T {
    return this.walk(value) as T;
  }

  private walk(value: unknown): unknown {
    if (typeof value === "string") return this.redactText(value);
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        const redacted = this.walk(item);
        if (redacted !== item) copy ??= value.slice();
        if (copy !== undefined) copy[i] = redacted;
      }
      return copy ?? value;
    }
    if (value === null || typeof value !== "object") return value;
    const entries = Object.entries(value);
    const redacted = entries.map(([key, v]) => [this.redactText(key), this.walk(v)] as const);
    if (redacted.every(([key, v], i) => key === entries[i]?.[0] && v === entries[i]?.[1])) return value;
    const out: Record<string, unknown> = {};
    for (const [i, [key]] of entries.entries()) {
      let name = (redacted[i] as readonly [string, unknown])[0];
      // Two keys redacted alike must not overwrite each other in the log.
      for (let n = 2; Object.hasOwn(out, name); n++) name = `${this.redactText(key)}#${n}`;
      Object.defineProperty(out, name, { value: (redacted[i] as readonly [string, unknown])[1], enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
}

let shipped: SecretRules | undefined | null = null;

/** framework/secret_rules.json, read once; undefined when it is missing or unusable. */
export function shippedSecretRules(): SecretRules | undefined {
  if (shipped === null) shipped = readSecretRules();
  return shipped;
}
