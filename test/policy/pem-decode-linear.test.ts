// pemDecode (Go's encoding/pem.Decode as of Go 1.25.2, the one the pinned opa
// runs) reads each character of its input a bounded number of times, whatever
// the text: a policy may hand it a model-written key or token. Go's Decode
// before 1.25.2 (CVE-2025-61723) looked for an END line after every BEGIN line
// and was quadratic on text of many BEGIN lines. Measured as the characters
// the string searches it makes go over (no timing): at most a small multiple
// of the input's length on the inputs that made the old Decode quadratic and
// on others built around each of its searches.
import { describe, expect, test } from "vitest";
import { pemDecode } from "../../src/policy/builtins/jwt-keys.ts";

/** How many characters String indexOf / lastIndexOf / includes / replace and RegExp test go over while `work` runs (it must be synchronous). */
function charactersScanned(work: () => void): number {
  const proto = String.prototype;
  const saved = { indexOf: proto.indexOf, lastIndexOf: proto.lastIndexOf, includes: proto.includes, replace: proto.replace, test: RegExp.prototype.test };
  let scanned = 0;
  proto.indexOf = function (this: string, search: string, from?: number): number {
    const start = Math.max(0, Math.min(from ?? 0, this.length));
    const found = saved.indexOf.call(this, search, start);
    scanned += (found < 0 ? this.length : found + search.length) - start;
    return found;
  };
  proto.lastIndexOf = function (this: string, search: string, from?: number): number {
    const start = Math.max(0, Math.min(from ?? this.length, this.length));
    const found = saved.lastIndexOf.call(this, search, start);
    scanned += start + search.length - Math.max(0, found);
    return found;
  };
  proto.includes = function (this: string, search: string, from?: number): boolean {
    scanned += this.length;
    return saved.includes.call(this, search, from);
  };
  proto.replace = function (this: string, ...args: Parameters<string["replace"]>): string {
    scanned += this.length;
    return saved.replace.apply(this, args as never) as string;
  } as string["replace"];
  RegExp.prototype.test = function (this: RegExp, text: string): boolean {
    scanned += String(text).length;
    return saved.test.call(this, text);
  };
  try {
    work();
  } finally {
    Object.assign(proto, { indexOf: saved.indexOf, lastIndexOf: saved.lastIndexOf, includes: saved.includes, replace: saved.replace });
    RegExp.prototype.test = saved.test;
  }
  return scanned;
}

const SIZE = 256 * 1024;
const repeat = (unit: string): string => unit.repeat(Math.ceil(SIZE / unit.length));

/** Text built to make one of Decode's searches run again and again; what Decode must find in it. */
const ADVERSARIAL: ReadonlyArray<[name: string, text: string, found: string | undefined]> = [
  ["BEGIN lines and no END (quadratic in Go before 1.25.2)", repeat("-----BEGIN X-----\n"), undefined],
  ["BEGIN lines, then one END of another type", `${repeat("-----BEGIN X-----\n")}\n-----END Y-----\n`, undefined],
  ["BEGIN lines, each with a header line", repeat("-----BEGIN X-----\na:b\n"), undefined],
  ["BEGIN lines, then a block", `${repeat("-----BEGIN X-----\n")}-----BEGIN K-----\nQUJD\n-----END K-----\n`, "K"],
  ["END lines and no BEGIN", repeat("\n-----END X-----"), undefined],
  ["blocks whose END names another type", repeat("-----BEGIN X-----\n\n-----END Y-----\n"), undefined],
  ["BEGIN not at a line start", repeat("x-----BEGIN X-----\n-----END X-----\n"), undefined],
  ["blocks whose base64 does not decode", repeat("-----BEGIN X-----\nAAAAA\n-----END X-----\n"), undefined],
  ["one BEGIN, then header lines", `-----BEGIN X-----\n${repeat("a:b\n")}`, undefined],
  ["header lines running past END lines", `-----BEGIN X-----\na:b\n${repeat("-----END X:-----\n")}`, undefined],
  ["END lines followed by text on their line", repeat("-----BEGIN X-----\n\n-----END X----- x"), undefined],
  ["a type line without a newline", `-----BEGIN X-----\n\n-----END ${repeat("-")}`, undefined],
  ["trailing blanks after an END line", `-----BEGIN X-----\n\n-----END X-----${repeat(" \t")}\n`, "X"],
];

describe("pemDecode is linear in its input", () => {
  test.each(ADVERSARIAL)("%s: decoded as Go decodes it, each character searched a bounded number of times", (_name, text, found) => {
    let block: ReturnType<typeof pemDecode>;
    const scanned = charactersScanned(() => {
      block = pemDecode(text);
    });
    expect(block?.type).toBe(found);
    expect(scanned).toBeLessThanOrEqual(4 * text.length);
  });

  test("the count sees a quadratic search: a naive scan for END after every BEGIN goes over the text once per BEGIN", () => {
    const text = "-----BEGIN X-----\n".repeat(2048);
    const scanned = charactersScanned(() => {
      for (let at = text.indexOf("-----BEGIN "); at >= 0; at = text.indexOf("-----BEGIN ", at + 1)) text.indexOf("\n-----END ", at);
    });
    expect(scanned).toBeGreaterThan(100 * text.length);
  });
});
