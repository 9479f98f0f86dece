// Reads the Rego text of a value as the WASM module dumps it (opa_value_dump):
// JSON plus sets ({1, 2}, set()) and non-string object keys, with numbers kept
// as written. Go's builtins format and order values by that text and kind.

export type RegoValue =
  | { kind: "null" }
  | { kind: "boolean"; value: boolean }
  | { kind: "number"; text: string }
  | { kind: "string"; value: string }
  | { kind: "array"; items: RegoValue[] }
  | { kind: "object"; entries: Array<[RegoValue, RegoValue]> }
  | { kind: "set"; items: RegoValue[] };

const NUMBER = /-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\]|\\.)*"/y;

export function parseRegoText(text: string): RegoValue {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i += 1;
  };
  const fail = (): never => {
    throw new Error(`cannot read Rego value text at ${i}`);
  };
  const value = (): RegoValue => {
    ws();
    const c = text[i];
    if (text.startsWith("null", i)) return (i += 4), { kind: "null" };
    if (text.startsWith("true", i)) return (i += 4), { kind: "boolean", value: true };
    if (text.startsWith("false", i)) return (i += 5), { kind: "boolean", value: false };
    if (text.startsWith("set()", i)) return (i += 5), { kind: "set", items: [] };
    if (c === '"') {
      STRING.lastIndex = i;
      const m = STRING.exec(text) ?? fail();
      i += m[0].length;
      return { kind: "string", value: JSON.parse(m[0]) as string };
    }
    if (c === "[") {
      i += 1;
      const items = list("]", value);
      return { kind: "array", items };
    }
    if (c === "{") {
      i += 1;
      ws();
      if (text[i] === "}") return (i += 1), { kind: "object", entries: [] };
      const first = value();
      ws();
      if (text[i] === ":") {
        i += 1;
        let entries: Array<[RegoValue, RegoValue]> = [[first, value()]];
        ws();
        if (text[i] === ",") {
          i += 1;
          // concat, not push(...): a spread call's arguments overflow the stack at ~150,000 members.
          entries = entries.concat(list("}", () => {
            const k = value();
            ws();
            if (text[i] !== ":") fail();
            i += 1;
            return [k, value()] as [RegoValue, RegoValue];
          }));
        } else if (text[i] === "}") i += 1;
        else fail();
        return { kind: "object", entries };
      }
      let items = [first];
      if (text[i] === ",") {
        i += 1;
        items = items.concat(list("}", value));
      } else if (text[i] === "}") i += 1;
      else fail();
      return { kind: "set", items };
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text) ?? fail();
    i += m[0].length;
    return { kind: "number", text: m[0] };
  };
  function list<T>(close: string, item: () => T): T[] {
    const out: T[] = [];
    ws();
    if (text[i] === close) return (i += 1), out;
    for (;;) {
      out.push(item());
      ws();
      if (text[i] === ",") i += 1;
      else if (text[i] === close) return (i += 1), out;
      else fail();
    }
  }
  const v = value();
  ws();
  if (i !== text.length) fail();
  return v;
}
