// A host builtin's result given as Rego text, for values JSON cannot carry:
// a set. The runtime reads it with the module's own Rego value parser
// (opa_value_parse) instead of its JSON one.
import type { RegoValue } from "./rego-text.ts";

export class RegoTextResult {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** Rego text of a value as opa_value_parse reads it (strings in JSON syntax, numbers as written). */
export function regoText(v: RegoValue): string {
  switch (v.kind) {
    case "null": return "null";
    case "boolean": return String(v.value);
    case "number": return v.text;
    case "string": return JSON.stringify(v.value);
    case "array": return `[${v.items.map(regoText).join(", ")}]`;
    case "set": return v.items.length === 0 ? "set()" : `{${v.items.map(regoText).join(", ")}}`;
    case "object": return `{${v.entries.map(([k, x]) => `${regoText(k)}: ${regoText(x)}`).join(", ")}}`;
  }
}

/** A Rego set of strings. */
export function stringSet(items: Iterable<string>): RegoTextResult {
  return textSet([...items].map((s) => JSON.stringify(s)));
}

/** A Rego set of values already written as Rego text (duplicates dropped). */
export function textSet(items: Iterable<string>): RegoTextResult {
  const unique = [...new Set(items)];
  return new RegoTextResult(unique.length === 0 ? "set()" : `{${unique.join(", ")}}`);
}
