// uuid.parse as OPA's Go builtin (topdown/uuid.go, internal/uuid over
// github.com/google/uuid v1.6.0): the forms google/uuid accepts, byte for
// byte, and the fields OPA reads for versions 1 and 2. Written as Rego text:
// the time in nanoseconds is an int64 (wrapping as Go's does) beyond 2^53.
import { toBytes } from "./go-url.ts";
import { RegoTextResult } from "./rego-result.ts";

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

function xtob(s: string, i: number): number | undefined {
  const a = hexValue(s.charCodeAt(i));
  const b = hexValue(s.charCodeAt(i + 1));
  return a < 0 || b < 0 ? undefined : (a << 4) | b;
}

const DASHED_OFFSETS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

/** google/uuid's Parse over UTF-8 bytes (one char per byte). */
function parseBytes(input: string): number[] | undefined {
  let s = input;
  switch (s.length) {
    case 36: break;
    case 45:
      if (s.slice(0, 9).toLowerCase() !== "urn:uuid:") return undefined;
      s = s.slice(9);
      break;
    case 38:
      s = s.slice(1);
      break;
    case 32: {
      const out: number[] = [];
      for (let i = 0; i < 16; i++) {
        const b = xtob(s, 2 * i);
        if (b === undefined) return undefined;
        out.push(b);
      }
      return out;
    }
    default:
      return undefined;
  }
  if (s[8] !== "-" || s[13] !== "-" || s[18] !== "-" || s[23] !== "-") return undefined;
  const out: number[] = [];
  for (const x of DASHED_OFFSETS) {
    const b = xtob(s, x);
    if (b === undefined) return undefined;
    out.push(b);
  }
  return out;
}

function variant(b: number): string {
  if ((b & 0xc0) === 0x80) return "RFC4122";
  if ((b & 0xe0) === 0xc0) return "Microsoft";
  if ((b & 0xe0) === 0xe0) return "Future";
  return "Reserved";
}

function macVars(b: number): string {
  if ((b & 0b11) === 0b11) return "local:multicast";
  if ((b & 0b01) === 0b01) return "global:multicast";
  if ((b & 0b10) === 0b10) return "local:unicast";
  return "global:unicast";
}

const G1582_NS100 = 122_192_928_000_000_000n;

/** internal/uuid's nanoUnix of a version 1 or 2 UUID's 60-bit time, in Go's int64 arithmetic. */
function nanoUnix(u: number[]): bigint {
  const be = (from: number, to: number): bigint => u.slice(from, to).reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
  const t = be(0, 4) | (be(4, 6) << 32n) | ((be(6, 8) & 0xfffn) << 48n);
  let sec = t - G1582_NS100;
  const nsec = (sec % 10_000_000n) * 100n;
  sec /= 10_000_000n;
  return BigInt.asIntN(64, sec * 1_000_000_000n + nsec);
}

export function uuidParse(text: unknown): RegoTextResult | undefined {
  if (typeof text !== "string") throw new TypeError("uuid.parse: operand must be a string");
  const u = parseBytes(toBytes(text));
  if (!u) return undefined;
  const version = u[6]! >> 4;
  const fields: Array<[string, string]> = [["version", String(version)], ["variant", JSON.stringify(variant(u[8]!))]];
  if (version === 1 || version === 2) {
    fields.push(
      ["time", String(nanoUnix(u))],
      ["nodeid", JSON.stringify(u.slice(10).map((b) => b.toString(16).padStart(2, "0")).join("-"))],
      ["macvariables", JSON.stringify(macVars(u[10]!))],
      ["clocksequence", String(((u[8]! << 8) | u[9]!) & 0x3fff)],
    );
    if (version === 2) {
      const domain = u[9]!;
      fields.push(
        ["id", String(((u[0]! << 24) | (u[1]! << 16) | (u[2]! << 8) | u[3]!) >>> 0)],
        ["domain", JSON.stringify(domain === 0 ? "Person" : domain === 1 ? "Group" : domain === 2 ? "Org" : `Domain${domain}`)],
      );
    }
  }
  return new RegoTextResult(`{${fields.map(([k, v]) => `${JSON.stringify(k)}: ${v}`).join(", ")}}`);
}
