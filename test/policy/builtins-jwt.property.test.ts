// io.jwt.verify_* and io.jwt.decode_verify agree with jose (an independent JWS
// implementation, the oracle) and with OPA's Go builtins on generated tokens:
// every token jose signs verifies; every tampered one verifies exactly when
// jose's compactVerify accepts it (a changed unused bit in the last base64url
// character may keep the signature), and Go answers the same.
import { generateKeyPairSync } from "node:crypto";
import fc from "fast-check";
import { compactVerify, exportSPKI, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { fuzzRuns, fuzzTimeout } from "../helpers/fuzz.ts";
import { evalBoth } from "./go-parity.ts";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

const claimValue = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }));
const tokenCase = fc.record({
  alg: fc.constantFrom("HS256", "ES256", "EdDSA"),
  claims: fc.dictionary(fc.string({ maxLength: 8 }), claimValue, { maxKeys: 5 }),
  tamper: fc.constantFrom("none", "payload", "signature", "header"),
  position: fc.nat(),
  replacement: fc.nat(63),
});

function tampered(token: string, part: number, position: number, replacement: number): string {
  const parts = token.split(".");
  const text = parts[part]!;
  const i = position % text.length;
  let c = ALPHABET[replacement]!;
  if (c === text[i]) c = ALPHABET[(replacement + 1) % 64]!;
  parts[part] = text.slice(0, i) + c + text.slice(i + 1);
  return parts.join(".");
}

describe("io.jwt verification agrees with jose and with Go", () => {
  it("on generated, signed and tampered tokens", async () => {
    const secretText = "generated-tokens-secret";
    const secret = new TextEncoder().encode(secretText);
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const ed = generateKeyPairSync("ed25519");
    const keys = { HS256: secret, ES256: ec.privateKey, EdDSA: ed.privateKey } as const;
    const verifyKeys = { HS256: secret, ES256: ec.publicKey, EdDSA: ed.publicKey } as const;
    const pems = { ES256: await exportSPKI(ec.publicKey), EdDSA: await exportSPKI(ed.publicKey) };
    const cases = fc.sample(tokenCase, fuzzRuns(10_000));
    const tokens: Array<{ alg: string; token: string; valid: boolean }> = [];
    for (const c of cases) {
      const alg = c.alg as keyof typeof keys;
      let token = await new SignJWT(c.claims).setProtectedHeader({ alg }).sign(keys[alg]);
      if (c.tamper !== "none") token = tampered(token, { header: 0, payload: 1, signature: 2 }[c.tamper], c.position, c.replacement);
      const valid = await compactVerify(token, verifyKeys[alg]).then(() => true, () => false);
      if (c.tamper === "none") expect(valid).toBe(true);
      tokens.push({ alg, token, valid });
    }
    const module = [
      "package p",
      "",
      "verified[i] := v if {",
      "\tsome i, t in input.tokens",
      '\tt.alg == "HS256"',
      "\tv := io.jwt.verify_hs256(t.token, input.secret)",
      "}",
      "",
      "verified[i] := v if {",
      "\tsome i, t in input.tokens",
      '\tt.alg == "ES256"',
      "\tv := io.jwt.verify_es256(t.token, input.es256)",
      "}",
      "",
      "verified[i] := v if {",
      "\tsome i, t in input.tokens",
      '\tt.alg == "EdDSA"',
      "\tv := io.jwt.verify_eddsa(t.token, input.eddsa)",
      "}",
      "",
      "decoded[i] := v[0] if {",
      "\tsome i, t in input.tokens",
      '\tt.alg == "HS256"',
      '\tv := io.jwt.decode_verify(t.token, {"secret": input.secret, "time": 0})',
      "}",
      "",
      "decoded[i] := v[0] if {",
      "\tsome i, t in input.tokens",
      '\tt.alg != "HS256"',
      '\tv := io.jwt.decode_verify(t.token, {"cert": object.get(input, lower(t.alg), ""), "time": 0})',
      "}",
      "",
    ].join("\n");
    const { go, wasm } = await evalBoth(module, { tokens, secret: secretText, es256: pems.ES256, eddsa: pems.EdDSA });
    expect(wasm).toEqual(go);
    // the oracle: a verify_* answer is true exactly when jose verifies the signature
    const verified = wasm.verified as Record<string, boolean>;
    tokens.forEach((t, i) => {
      if (verified[i] !== undefined) expect({ token: t.token, verified: verified[i] }).toEqual({ token: t.token, verified: t.valid });
    });
    // decode_verify never says true for a token jose rejects
    const decoded = wasm.decoded as Record<string, boolean>;
    tokens.forEach((t, i) => {
      if (decoded[i] === true) expect({ token: t.token, valid: t.valid }).toEqual({ token: t.token, valid: true });
    });
    expect(tokens.filter((t) => t.valid).every((t) => verified[tokens.indexOf(t)] === true)).toBe(true);
  }, fuzzTimeout());
});
