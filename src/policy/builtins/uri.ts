// uri.parse and uri.is_valid as OPA's Go builtins (topdown/uri.go): Go's
// url.Parse (ported in go-url.ts), not WHATWG URL, which parses differently.
import { fromBytes, parseUrl, splitHostPort, toBytes } from "./go-url.ts";

export function uriParse(text: unknown): Record<string, string> {
  if (typeof text !== "string") throw new TypeError("uri.parse: operand must be a string");
  const url = parseUrl(toBytes(text));
  const out: Record<string, string> = {};
  const [hostname, port] = splitHostPort(url.host);
  const fields: Array<[string, string]> = [
    ["scheme", url.scheme],
    ["hostname", hostname],
    ["port", port],
    ["path", url.path],
    ["raw_path", url.path === "" ? "" : url.rawPath || url.path],
    ["raw_query", url.rawQuery],
    ["fragment", url.fragment],
  ];
  for (const [key, value] of fields) if (value !== "") out[key] = fromBytes("uri.parse", value);
  return out;
}

export function uriIsValid(text: unknown): boolean {
  if (typeof text !== "string" || text.length === 0) return false;
  try {
    parseUrl(toBytes(text));
    return true;
  } catch {
    return false;
  }
}
