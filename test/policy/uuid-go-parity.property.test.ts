// uuid.parse (host builtin, a port of google/uuid's Parse and OPA's fields)
// answers as OPA's Go builtin on generated UUIDs in every accepted form, with
// versions 1 and 2 (time, node, clock sequence, domain) and corrupted texts.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzRuns, fuzzTimeout } from "../helpers/fuzz.ts";
import { evalBoth } from "./go-parity.ts";

const hex = (bytes: number[]): string => bytes.map((b) => b.toString(16).padStart(2, "0")).join("");
const dashed = (h: string): string => `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;

const uuidText = fc.tuple(
  fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 16, maxLength: 16 }),
  fc.integer({ min: 0, max: 15 }),
  fc.constantFrom("plain", "upper", "urn", "URN", "braces", "any38", "nodash", "cut", "bad-dash", "bad-hex", "unicode"),
).map(([bytes, version, form]) => {
  bytes[6] = (version << 4) | (bytes[6]! & 0x0f);
  const h = hex(bytes);
  switch (form) {
    case "upper": return dashed(h).toUpperCase();
    case "urn": return `urn:uuid:${dashed(h)}`;
    case "URN": return `URN:UuId:${dashed(h)}`;
    case "braces": return `{${dashed(h)}}`;
    case "any38": return `x${dashed(h)}y`;
    case "nodash": return h;
    case "cut": return dashed(h).slice(1);
    case "bad-dash": return dashed(h).replace("-", "_");
    case "bad-hex": return dashed(h).replace(/[0-9a-f]$/, "g");
    case "unicode": return `é${dashed(h)}`;
    default: return dashed(h);
  }
});

describe("uuid.parse answers as OPA's Go builtin", () => {
  it("on generated UUIDs of every version, in every form google/uuid accepts, and corrupted", { timeout: fuzzTimeout() }, async () => {
    const seed = Date.now();
    const uuids = fc.sample(uuidText, { numRuns: fuzzRuns(), seed });
    const { go, wasm } = await evalBoth("package p\n\nparsed := {i: uuid.parse(u) | some i, u in input.uuids}\n", { uuids });
    expect({ seed, parsed: wasm.parsed }).toEqual({ seed, parsed: go.parsed });
    const count = Object.keys(go.parsed as object).length;
    expect(count).toBeGreaterThan(uuids.length / 4);
    expect(count).toBeLessThan(uuids.length);
  });
});
