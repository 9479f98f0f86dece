// JSON as OPA's Go builtins decode it (util.UnmarshalJSON: encoding/json with
// UseNumber, one value, nothing but whitespace after it), keeping each
// number's text, so a value can be handed to the WASM module exactly as Go
// holds it. Duplicate object keys keep the last value, as Go's map does;
// a surrogate escape that is not part of a pair becomes U+FFFD, as in Go.
import type { RegoValue } from "./rego-text.ts";

export class GoJsonError extends Error {}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"/y;

/** onDuplicateKey: called when an object repeats a key (Go keeps the last; some readers keep the first). */
export function parseGoJson(text: string, onDuplicateKey?: (key: string) => void): RegoValue {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i += 1;
  };
  const fail = (): never => {
    throw new GoJsonError(`invalid JSON at offset ${i}`);
  };
  const literal = (word: string): boolean => {
    if (!text.startsWith(word, i)) return false;
    i += word.length;
    return true;
  };
  const string = (): string => {
    STRING.lastIndex = i;
    const m = STRING.exec(text) ?? fail();
    i += m[0].length;
    return (JSON.parse(m[0]) as string).toWellFormed();
  };
  const value = (): RegoValue => {
    ws();
    const c = text[i];
    if (c === '"') return { kind: "string", value: string() };
    if (c === "{") {
      i += 1;
      const byKey = new Map<string, RegoValue>();
      ws();
      if (text[i] === "}") return (i += 1), { kind: "object", entries: [] };
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        const key = string();
        ws();
        if (text[i] !== ":") fail();
        i += 1;
        if (byKey.has(key)) onDuplicateKey?.(key);
        byKey.delete(key);
        byKey.set(key, value());
        ws();
        if (text[i] === ",") i += 1;
        else if (text[i] === "}") break;
        else fail();
      }
      i += 1;
      return { kind: "object", entries: [...byKey].map(([k, v]): [RegoValue, RegoValue] => [{ kind: "string", value: k }, v]) };
    }
    if (c === "[") {
      i += 1;
      const items: RegoValue[] = [];
      ws();
      if (text[i] === "]") return (i += 1), { kind: "array", items };
      for (;;) {
        items.push(value());
        ws();
        if (text[i] === ",") i += 1;
        else if (text[i] === "]") break;
        else fail();
      }
      i += 1;
      return { kind: "array", items };
    }
    if (literal("null")) return { kind: "null" };
    if (literal("true")) return { kind: "boolean", value: true };
    if (literal("false")) return { kind: "boolean", value: false };
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text) ?? fail();
    i += m[0].length;
    return { kind: "number", text: m[0] };
  };
  const v = value();
  ws();
  if (i !== text.length) fail();
  return v;
}

/** JSON text of a value read by parseGoJson, numbers as written (for the module's JSON parser). */
export function toJsonText(v: RegoValue): string {
  switch (v.kind) {
    case "null": return "null";
    case "boolean": return String(v.value);
    case "number": return v.text;
    case "string": return JSON.stringify(v.value);
    case "array": return `[${v.items.map(toJsonText).join(",")}]`;
    case "set": return `[${v.items.map(toJsonText).join(",")}]`;
    case "object": return `{${v.entries.map(([k, x]) => `${toJsonText(k)}:${toJsonText(x)}`).join(",")}}`;
  }
}
