/**
 * Custom (free-form input) tools send raw text, not JSON arguments. The gate
 * decides on JSON objects, so the text travels as `{"input": text}`: declare
 * the tool with `{input: string}` parameters, and its implementation gets
 * `{input}` (redacted, when the policy sanitizes it).
 */
export function customToolArguments(input: string): string {
  return JSON.stringify({ input });
}
