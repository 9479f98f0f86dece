// urlquery.encode, decode, encode_object and decode_object as OPA's Go
// builtins (topdown/encoding.go): Go's url.QueryEscape, QueryUnescape,
// Values.Encode and ParseQuery, ported in go-url.ts.
import { Encoding, escape, fromBytes, toBytes, unescape } from "./go-url.ts";
import { compareRego, compareStrings } from "./go-value.ts";
import { parseRegoText } from "./rego-text.ts";

/** net/url's limit on the parameters ParseQuery reads (GODEBUG urlmaxqueryparams unset). */
const MAX_QUERY_PARAMS = 10_000;

function stringOperand(name: string, v: unknown): string {
  if (typeof v !== "string") throw new TypeError(`${name}: operand must be a string`);
  return v;
}

export function urlqueryEncode(s: unknown): string {
  return fromBytes("urlquery.encode", escape(toBytes(stringOperand("urlquery.encode", s)), Encoding.QueryComponent));
}

export function urlqueryDecode(s: unknown): string {
  return fromBytes("urlquery.decode", unescape(toBytes(stringOperand("urlquery.decode", s)), Encoding.QueryComponent));
}

/**
 * urlquery.encode_object: operand as Rego text, because Go encodes a set's
 * strings in sorted order (the JSON the module hands over keeps its own order).
 */
export const urlqueryEncodeObject = Object.assign(
  (objectText: string): string => {
    const value = parseRegoText(objectText);
    if (value.kind !== "object") throw new TypeError("urlquery.encode_object: operand 1 must be object");
    const query = new Map<string, string[]>();
    for (const [k, v] of value.entries) {
      if (k.kind !== "string") throw new TypeError("urlquery.encode_object: object keys must be strings");
      if (v.kind === "string") query.set(k.value, [v.value]);
      else if (v.kind === "array" || v.kind === "set") {
        const items = v.kind === "set" ? [...v.items].sort(compareRego) : v.items;
        // Appended in place: copying the list per value made a long array quadratic.
        const values = query.get(k.value) ?? [];
        query.set(k.value, values);
        for (const item of items) {
          if (item.kind !== "string") throw new TypeError("urlquery.encode_object: values must be string, array[string], or set[string]");
          values.push(item.value);
        }
      } else {
        throw new TypeError("urlquery.encode_object: values must be string, array[string], or set[string]");
      }
    }
    const parts: string[] = [];
    for (const key of [...query.keys()].sort(compareStrings)) {
      const escapedKey = escape(toBytes(key), Encoding.QueryComponent);
      for (const v of query.get(key)!) parts.push(`${escapedKey}=${escape(toBytes(v), Encoding.QueryComponent)}`);
    }
    return fromBytes("urlquery.encode_object", parts.join("&"));
  },
  { readsRegoText: true as const },
);

/** url.ParseQuery; any error it reports makes Go's builtin fail. */
export function urlqueryDecodeObject(s: unknown): Record<string, string[]> {
  const query = toBytes(stringOperand("urlquery.decode_object", s));
  if (query.split("&").length > MAX_QUERY_PARAMS) throw new Error("number of URL query parameters exceeded limit");
  const out = new Map<string, string[]>();
  let failed = false;
  for (const setting of query === "" ? [] : query.split("&")) {
    if (setting.includes(";")) {
      failed = true;
      continue;
    }
    if (setting === "") continue;
    const eq = setting.indexOf("=");
    try {
      const key = unescape(eq < 0 ? setting : setting.slice(0, eq), Encoding.QueryComponent);
      const value = unescape(eq < 0 ? "" : setting.slice(eq + 1), Encoding.QueryComponent);
      const values = out.get(key);
      if (values === undefined) out.set(key, [value]);
      else values.push(value);
    } catch {
      failed = true;
    }
  }
  if (failed) throw new Error("urlquery.decode_object: invalid query");
  const result: Record<string, string[]> = {};
  for (const [k, vs] of out) {
    Object.defineProperty(result, fromBytes("urlquery.decode_object", k), {
      value: vs.map((v) => fromBytes("urlquery.decode_object", v)), enumerable: true, writable: true, configurable: true,
    });
  }
  return result;
}
