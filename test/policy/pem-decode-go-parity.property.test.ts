// io.jwt.* read a PEM key with a port of Go's encoding/pem.Decode (pemDecode in
// src/policy/builtins/jwt-keys.ts). This compares it with Go's own Decode, run by
// tools/pemdecode (the standard library of the Go the pinned opa is built with),
// on generated PEM-like text: the block found (type, bytes) and the rest after
// it must be the same, and "no block" must be the same.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { pemDecode } from "../../src/policy/builtins/jwt-keys.ts";
import { fuzzRuns, fuzzTimeout } from "../helpers/fuzz.ts";
import { GoOracle } from "../helpers/go-oracle.ts";

const oracle = new GoOracle("pemdecode");

interface GoBlock {
  type: string;
  bytes: string;
  rest: string;
}

/** Go's pem.Decode on each input (as UTF-8 bytes), and the Go version that ran it. */
async function goDecode(inputs: readonly string[]): Promise<{ go: string; results: (GoBlock | null)[] }> {
  return oracle.ask(inputs.map((s) => Buffer.from(s, "utf8").toString("base64")));
}

function jsDecode(text: string): GoBlock | null {
  const block = pemDecode(text);
  return block === undefined ? null : { type: block.type, bytes: block.bytes.toString("base64"), rest: Buffer.from(block.rest, "utf8").toString("base64") };
}

/** Mostly the well-formed choice, sometimes one of the others: so that both found and refused blocks are common. */
function mostly<T>(usual: T, ...others: T[]): fc.Arbitrary<T> {
  return fc.oneof({ arbitrary: fc.constant(usual), weight: 5 }, { arbitrary: fc.constantFrom(...others), weight: 1 });
}

const TYPES = ["CERTIFICATE", "PUBLIC KEY", "X", "", "A B", "é", "CERT-----", "X:Y"];
const BASE64 = fc.oneof(
  { arbitrary: fc.constantFrom("QUJD", "QUI=", "QQ==", "AAAA", "+/+/", "ZGF0YQ==", "QUJD\nREVG", "QU JD", "QU\tJD", "QUJD\r\n"), weight: 5 },
  { arbitrary: fc.constantFrom("Q", "QU", "=", "==", "!!!!", "QUI=QUJD", "é"), weight: 1 },
);
const pieces = fc.constantFrom(
  "-----BEGIN ", "-----END ", "-----", "\n", "\r\n", "\r", " ", "\t", ":", "X", "CERTIFICATE", "PUBLIC KEY",
  "Proc-Type: 4,ENCRYPTED\n", "QUJD", "QQ==", "=", "A", "é", "\u0000", "-", "BEGIN", "END", "\n-----END X-----", "-----BEGIN X-----\n",
);
const line = mostly("", " ", "\t", "\r", " \t", "x");
const header = fc.tuple(fc.constantFrom("Proc-Type", "DEK-Info", "X", "", " k "), fc.constantFrom("4,ENCRYPTED", "v", "", ":")).map(([k, v]) => `${k}:${v}`);
/** A block as a PEM writer would make it, then bent: another type at the end, missing or extra dashes and newlines, headers, bad base64. */
const block = fc
  .record({
    lead: mostly("", "\n", "junk\n", "junk", " ", "\r\n"),
    type: fc.constantFrom(...TYPES),
    endType: fc.oneof({ arbitrary: fc.constant(undefined), weight: 5 }, { arbitrary: fc.constantFrom(...TYPES), weight: 1 }),
    beginDashes: mostly("-----", "----", "------", ""),
    endDashes: mostly("-----", "----", "------", ""),
    headers: fc.oneof({ arbitrary: fc.constant<string[]>([]), weight: 3 }, { arbitrary: fc.array(header, { minLength: 1, maxLength: 2 }), weight: 1 }),
    blank: fc.boolean(),
    body: fc.oneof(
      { arbitrary: fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes).toString("base64").match(/.{1,16}/g) ?? []), weight: 3 },
      { arbitrary: fc.array(BASE64, { maxLength: 4 }), weight: 1 },
    ),
    afterBegin: line,
    afterEnd: mostly("", "\n", "\r\n", " \t\n", "x", " x\n", "\n\n", "\nmore"),
    endNewline: mostly("\n", "\r\n", "", "\n\n"),
  })
  .map((b) =>
    `${b.lead}-----BEGIN ${b.type}${b.beginDashes}${b.afterBegin}\n` +
    `${b.headers.map((h) => `${h}\n`).join("")}${b.blank ? "\n" : ""}${b.body.join("\n")}${b.endNewline}` +
    `-----END ${b.endType ?? b.type}${b.endDashes}${b.afterEnd}`,
  );
const pemLike = fc.oneof(
  { arbitrary: block, weight: 4 },
  { arbitrary: fc.array(block, { minLength: 2, maxLength: 3 }).map((bs) => bs.join("")), weight: 2 },
  { arbitrary: fc.array(pieces, { maxLength: 30 }).map((ps) => ps.join("")), weight: 3 },
  { arbitrary: fc.tuple(block, fc.array(pieces, { maxLength: 8 }), fc.nat()).map(([b, ps, at]) => b.slice(0, at % (b.length + 1)) + ps.join("") + b.slice(at % (b.length + 1))), weight: 3 },
);

describe("pemDecode agrees with Go's encoding/pem.Decode", () => {
  beforeAll(() => oracle.build(), 120_000);

  it("the oracle is the Go the pinned opa was built with", async () => {
    const { oracle: go, opa } = await oracle.goVersions([]);
    expect(go).toBe(opa);
  });

  it("on generated PEM-like text: the same block (type, bytes) and the same rest, or no block in both", async () => {
    const inputs = [
      "",
      "-----BEGIN X-----\n-----END X-----",
      "-----BEGIN X-----\n\n-----END X-----\n",
      "-----BEGIN X-----\nk: v\n\n-----END X-----\n",
      "-----BEGIN X-----\nk: v\n-----END X-----\n",
      "x-----BEGIN X-----\nQUJD\n-----END X-----\n",
      "-----BEGIN A-----\n-----BEGIN B-----\nQUJD\n-----END B-----\n",
      "-----BEGIN A-----\nQUJD\n-----END B-----\n-----BEGIN B-----\nQUJD\n-----END B-----\ntail",
      ...fc.sample(pemLike, fuzzRuns(10_000)),
    ];
    const go = (await goDecode(inputs)).results;
    const mismatches = inputs.flatMap((input, i) => {
      const js = jsDecode(input);
      return JSON.stringify(js) === JSON.stringify(go[i]) ? [] : [{ input, js, go: go[i] }];
    });
    expect(mismatches.slice(0, 5)).toEqual([]);
    // The generator reaches both outcomes, and blocks of several kinds.
    const found = go.filter((r) => r !== null);
    expect(found.length).toBeGreaterThan(inputs.length / 10);
    expect(go.length - found.length).toBeGreaterThan(inputs.length / 10);
    expect(new Set(found.map((r) => r!.type)).size).toBeGreaterThan(3);
    expect(found.some((r) => r!.rest !== "")).toBe(true);
  }, fuzzTimeout());
});
