// Reads an evaluation's result set as the module dumps it in Rego syntax
// (opa_eval format 1), and returns it as JSON values the way OPA's Go
// evaluator serializes them: a set becomes an array sorted in Go's value order
// (the WASM module's JSON dump lists a set in its hash table's order, so the
// same decision could come back in different orders between runtimes and
// revisions). A result without sets is plain JSON and takes the strict
// scanner's fast path.
import { scanJson } from "../json/scan-json.ts";
import { compareRego } from "./builtins/go-value.ts";
import { parseRegoText, type RegoValue } from "./builtins/rego-text.ts";

function toJson(value: RegoValue): unknown {
  switch (value.kind) {
    case "null": return null;
    case "boolean": return value.value;
    case "number": return Number(value.text);
    case "string": return value.value;
    case "array": return value.items.map(toJson);
    case "set": return [...value.items].sort(compareRego).map(toJson);
    case "object":
      // Object.fromEntries defines own properties: a "__proto__" key stays a key.
      // Go's JSON of a non-string key is the key's JSON text (ast.JSON).
      return Object.fromEntries(value.entries.map(([key, item]) => [key.kind === "string" ? key.value : JSON.stringify(toJson(key)), toJson(item)]));
  }
}

/**
 * The result set from its Rego text: a set of {"result": value} objects
 * (`set()` when undefined). The common case, one result holding no set, is
 * the strict JSON scanner's; throws when the text is neither that nor Rego
 * the reader knows.
 */
export function readResultSet(text: string): unknown {
  if (text === "set()") return [];
  if (text.startsWith("{") && text.endsWith("}")) {
    const scanned = scanJson(text.slice(1, -1));
    if (scanned.ok) return [scanned.value];
    // a set (or a second result) is a syntax error to JSON; anything else the scanner refuses stays an error
    if (scanned.problem !== "syntax") throw new Error(`the policy's result is not strict JSON: ${scanned.message}`);
  }
  return toJson(parseRegoText(text));
}
