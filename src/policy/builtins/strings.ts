// Host implementations of replace (not native in OPA's WASM target) and sprintf.
import { goSprintf, numberOperand, type GoOperand } from "./go-fmt.ts";
import { regoString } from "./go-value.ts";
import { parseRegoText } from "./rego-text.ts";

export function replace(s: unknown, old: unknown, replacement: unknown): string {
  if (typeof s !== "string" || typeof old !== "string" || typeof replacement !== "string") {
    throw new TypeError("replace: operands must be strings");
  }
  return s.replaceAll(old, replacement);
}

/**
 * sprintf as OPA's Go builtin: operands by their Rego text, so a number keeps
 * the digits it was written with (1.0 is a float, 123456789123456789123 an
 * exact big integer) and a set prints as a set.
 */
export const sprintf = Object.assign(
  (formatText: string, valuesText: string): string => {
    const format = parseRegoText(formatText);
    const values = parseRegoText(valuesText);
    if (format.kind !== "string" || values.kind !== "array") throw new TypeError("sprintf: operands must be a string and an array");
    const operands = values.items.map((v): GoOperand =>
      v.kind === "number" ? numberOperand(v.text) : { type: "string", value: v.kind === "string" ? v.value : regoString(v) },
    );
    return goSprintf(format.value, operands);
  },
  { readsRegoText: true as const },
);
