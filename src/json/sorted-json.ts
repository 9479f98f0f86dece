// JSON text with every object's keys in OPA's (Go's) order: by Unicode code
// point, which is the byte order of UTF-8. The WASM module keeps an object's
// keys in the order it read them, and json.marshal and iteration follow that
// order, where OPA's Go evaluator always sorts: written this way, the input
// reads the same in both. Iterative (an explicit stack), so nesting depth
// costs memory, not call stack.

/** Code point order; JS's < compares UTF-16 units, which puts U+E000..U+FFFF after astral characters. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // a surrogate (half of an astral character) sorts after every BMP unit
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

type Frame = { kind: "array"; items: unknown[]; next: number } | { kind: "object"; value: Record<string, unknown>; keys: string[]; next: number };

export function sortedKeyJson(value: unknown): string {
  let out = "";
  const stack: Frame[] = [];
  const open = (v: unknown): void => {
    if (Array.isArray(v)) {
      out += "[";
      stack.push({ kind: "array", items: v, next: 0 });
    } else if (v !== null && typeof v === "object") {
      out += "{";
      stack.push({ kind: "object", value: v as Record<string, unknown>, keys: Object.keys(v).sort(compareCodePoints), next: 0 });
    } else {
      const text = JSON.stringify(v);
      if (text === undefined) throw new TypeError(`not a JSON value: ${typeof v}`);
      out += text;
    }
  };
  open(value);
  while (stack.length > 0) {
    const top = stack.at(-1)!;
    if (top.kind === "array") {
      if (top.next === top.items.length) {
        out += "]";
        stack.pop();
        continue;
      }
      if (top.next > 0) out += ",";
      open(top.items[top.next++]);
    } else {
      if (top.next === top.keys.length) {
        out += "}";
        stack.pop();
        continue;
      }
      const key = top.keys[top.next++]!;
      out += `${top.next > 1 ? "," : ""}${JSON.stringify(key)}:`;
      open(top.value[key]);
    }
  }
  return out;
}
