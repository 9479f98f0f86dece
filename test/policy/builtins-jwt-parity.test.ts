// io.jwt.* answer as OPA's Go builtins (opa eval) on tokens signed by jose
// (an independent JWS implementation), including the cases a token check in
// a tool policy depends on: algorithm confusion, `none`, exp/nbf at the exact
// boundary, aud/iss rules, kid selection, crit, nested tokens.
import { createHmac, generateKeyPairSync, type KeyObject } from "node:crypto";
import { CompactSign, exportJWK, exportSPKI, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { evalBoth, probeModule } from "./go-parity.ts";

const b64 = (s: string | Buffer): string => Buffer.from(s).toString("base64url");

/** A compact JWS with a header and payload exactly as given (for malformed and unusual tokens). */
function rawHs256(header: string, payload: string, secret: string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

interface Fixture { input: Record<string, unknown> }
const fx: Fixture = { input: {} };

async function signed(alg: string, key: KeyObject | Uint8Array, claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, typ: "JWT", ...header }).sign(key);
}

beforeAll(async () => {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const rsa2 = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const p256 = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const p384 = generateKeyPairSync("ec", { namedCurve: "P-384" });
  const ed = generateKeyPairSync("ed25519");
  const secret = new TextEncoder().encode("s3cr3t-key-for-hmac");
  const rsaPem = await exportSPKI(rsa.publicKey);
  const rsaJwk = { ...(await exportJWK(rsa.publicKey)), kid: "k1" };
  const rsa2Jwk = { ...(await exportJWK(rsa2.publicKey)), kid: "k2" };
  const rsaPrivateJwk = await exportJWK(rsa.privateKey);
  const claims = { sub: "alice", iss: "issuer", aud: "toolgate", exp: 2000000000, nbf: 1000000000 };
  fx.input = {
    secret: "s3cr3t-key-for-hmac",
    rsaPem,
    rsaJwk: JSON.stringify(rsaJwk),
    jwks: JSON.stringify({ keys: [rsa2Jwk, rsaJwk] }),
    rsaPrivateJwk: JSON.stringify(rsaPrivateJwk),
    edPrivateJwk: JSON.stringify(await exportJWK(ed.privateKey)),
    p256PrivateJwk: JSON.stringify(await exportJWK(p256.privateKey)),
    octJwk: JSON.stringify({ kty: "oct", k: b64("s3cr3t-key-for-hmac") }),
    octJwkObject: { kty: "oct", k: b64("s3cr3t-key-for-hmac") },
    rsaPrivateJwkObject: rsaPrivateJwk,
    rsa2Pem: await exportSPKI(rsa2.publicKey),
    p256Pem: await exportSPKI(p256.publicKey),
    p384Pem: await exportSPKI(p384.publicKey),
    edPem: await exportSPKI(ed.publicKey),
    hs256: await signed("HS256", secret, claims),
    hs512: await signed("HS512", secret, claims),
    rs256: await signed("RS256", rsa.privateKey, claims),
    rs256kid2: await signed("RS256", rsa.privateKey, claims, { kid: "k2" }),
    rs256kid1: await signed("RS256", rsa.privateKey, claims, { kid: "k1" }),
    ps256: await signed("PS256", rsa.privateKey, claims),
    es256: await signed("ES256", p256.privateKey, claims),
    es384: await signed("ES384", p384.privateKey, claims),
    eddsa: await signed("EdDSA", ed.privateKey, claims),
    // algorithm confusion: HS256 with the RSA public key's PEM text as the HMAC secret
    confused: await signed("HS256", new TextEncoder().encode(rsaPem), claims),
    none: `${b64('{"alg":"none","typ":"JWT"}')}.${b64(JSON.stringify(claims))}.`,
    exp: await signed("HS256", secret, { exp: 1700000000 }),
    expFraction: await signed("HS256", secret, { exp: 1700000000.5, nbf: 1699999999.25 }),
    nbf: await signed("HS256", secret, { nbf: 1700000000 }),
    audArray: await signed("HS256", secret, { aud: ["x", 1, "toolgate"] }),
    audEmpty: await signed("HS256", secret, { aud: "" }),
    noAud: await signed("HS256", secret, { iss: "issuer" }),
    issNumber: await signed("HS256", secret, { iss: 1 }),
    expString: await signed("HS256", secret, { exp: "1700000000" }),
    critUnknown: rawHs256('{"alg":"HS256","crit":["b64x"],"b64x":true}', '{"sub":"a"}', "s3cr3t-key-for-hmac"),
    critAbsent: rawHs256('{"alg":"HS256","crit":["b64x"]}', '{"sub":"a"}', "s3cr3t-key-for-hmac"),
    critMixed: rawHs256('{"alg":"HS256","crit":[1,"b64x"],"b64x":true}', '{"sub":"a"}', "s3cr3t-key-for-hmac"),
    bigNumbers: rawHs256('{"alg":"HS256"}', '{"n": 12345678901234567890123, "f": 1.50, "e": 1E3, "d": 1, "d": 2}', "s3cr3t-key-for-hmac"),
    surrogate: rawHs256('{"alg":"HS256"}', '{"s": "\\ud800x", "pair": "\\ud83d\\ude00"}', "s3cr3t-key-for-hmac"),
    enc: rawHs256('{"alg":"HS256","enc":"A128GCM"}', "{}", "s3cr3t-key-for-hmac"),
    notObject: rawHs256('{"alg":"HS256"}', "[1]", "s3cr3t-key-for-hmac"),
    trailing: rawHs256('{"alg":"HS256"}', "{} x", "s3cr3t-key-for-hmac"),
    nested: await signed("HS256", secret, {}, { cty: "JWT" }).then(async () => {
      const inner = await signed("HS256", secret, { sub: "inner" });
      return new CompactSign(new TextEncoder().encode(inner)).setProtectedHeader({ alg: "HS256", cty: "JWT" }).sign(secret);
    }),
    twoParts: "a.b",
    badBase64: "a.b.c!",
  };
}, 60_000);

async function expectSameAsGo(expressions: string[]): Promise<Record<string, unknown>> {
  const { go, wasm } = await evalBoth(probeModule(expressions), fx.input);
  const rows = expressions.map((e, i) => ({ expression: e, value: wasm[`r${i}`] }));
  expect(rows).toEqual(expressions.map((e, i) => ({ expression: e, value: go[`r${i}`] })));
  return go;
}

const VERIFIED = (v: unknown): boolean => Array.isArray(v) && v[0] === true;

describe("io.jwt builtins answer as OPA's Go builtins", () => {
  it("verify_*: the right key verifies, another key, family or algorithm does not", async () => {
    const go = await expectSameAsGo([
      "io.jwt.verify_hs256(input.hs256, input.secret)",
      'io.jwt.verify_hs256(input.hs256, "wrong")',
      "io.jwt.verify_hs512(input.hs512, input.secret)",
      "io.jwt.verify_hs256(input.hs512, input.secret)",
      "io.jwt.verify_rs256(input.rs256, input.rsaPem)",
      "io.jwt.verify_rs256(input.rs256, input.rsa2Pem)",
      "io.jwt.verify_rs256(input.rs256, input.rsaJwk)",
      "io.jwt.verify_rs256(input.rs256, input.jwks)",
      "io.jwt.verify_rs256(input.rs256kid2, input.jwks)",
      "io.jwt.verify_rs256(input.rs256kid1, input.jwks)",
      "io.jwt.verify_rs256(input.rs256, input.rsaPrivateJwk)",
      "io.jwt.verify_rs384(input.rs256, input.rsaPem)",
      "io.jwt.verify_ps256(input.ps256, input.rsaPem)",
      "io.jwt.verify_ps256(input.rs256, input.rsaPem)",
      "io.jwt.verify_rs256(input.ps256, input.rsaPem)",
      "io.jwt.verify_es256(input.es256, input.p256Pem)",
      "io.jwt.verify_es256(input.es256, input.p384Pem)",
      "io.jwt.verify_es384(input.es384, input.p384Pem)",
      "io.jwt.verify_es256(input.es384, input.p384Pem)",
      "io.jwt.verify_eddsa(input.eddsa, input.edPem)",
      "io.jwt.verify_eddsa(input.eddsa, input.rsaPem)",
      "io.jwt.verify_rs256(input.es256, input.p256Pem)",
      "io.jwt.verify_rs256(input.confused, input.rsaPem)",
      "io.jwt.verify_hs256(input.confused, input.rsaPem)",
      "io.jwt.verify_rs256(input.none, input.rsaPem)",
      'io.jwt.verify_rs256(input.rs256, "not a key")',
      "io.jwt.verify_hs256(input.twoParts, input.secret)",
      "io.jwt.verify_hs256(input.badBase64, input.secret)",
    ]);
    expect([go.r0, go.r4, go.r8, go.r9, go.r10, go.r12, go.r15, go.r17, go.r19]).toEqual([true, true, false, true, false, true, true, true, true]);
    expect([go.r22, go.r24]).toEqual([false, false]);
  });

  it("decode_verify: keys, algorithm confusion and none never verify; exp and nbf at the boundary in ns", async () => {
    const go = await expectSameAsGo([
      'io.jwt.decode_verify(input.rs256, {"cert": input.rsaPem, "time": 1500000000000000000})',
      'io.jwt.decode_verify(input.rs256, {"cert": input.jwks, "alg": "RS256", "iss": "issuer", "aud": "toolgate", "time": 1500000000000000000})',
      'io.jwt.decode_verify(input.rs256, {"cert": input.rsaPrivateJwk, "aud": "toolgate", "time": 1500000000000000000})',
      'io.jwt.decode_verify(input.rs256, {"cert": input.rsaPem, "alg": "RS384", "aud": "toolgate", "time": 1500000000000000000})',
      'io.jwt.decode_verify(input.confused, {"cert": input.rsaPem, "aud": "toolgate", "time": 1500000000000000000})',
      'io.jwt.decode_verify(input.none, {"cert": input.rsaPem, "aud": "toolgate", "time": 1500000000000000000})',
      'io.jwt.decode_verify(input.none, {"secret": input.secret, "aud": "toolgate", "time": 1500000000000000000})',
      'io.jwt.decode_verify(input.ps256, {"cert": input.rsaPem, "aud": "toolgate", "time": 1500000000000000000})',
      'io.jwt.decode_verify(input.es256, {"cert": input.p256Pem, "aud": "toolgate", "time": 1500000000000000000})',
      'io.jwt.decode_verify(input.es256, {"cert": input.p384Pem, "aud": "toolgate", "time": 1500000000000000000})',
      'io.jwt.decode_verify(input.eddsa, {"cert": input.edPem, "aud": "toolgate", "time": 1500000000000000000})',
      'io.jwt.decode_verify(input.hs256, {"secret": input.secret, "aud": "toolgate", "time": 1500000000000000000})',
      'io.jwt.decode_verify(input.hs256, {"secret": input.secret, "time": 1500000000000000000})',
      'io.jwt.decode_verify(input.exp, {"secret": input.secret, "time": 1699999999999999999})',
      'io.jwt.decode_verify(input.exp, {"secret": input.secret, "time": 1700000000000000000})',
      'io.jwt.decode_verify(input.expFraction, {"secret": input.secret, "time": 1700000000000000000})',
      'io.jwt.decode_verify(input.expFraction, {"secret": input.secret, "time": 1700000000500000000})',
      'io.jwt.decode_verify(input.expFraction, {"secret": input.secret, "time": 1699999999500000000})',
      'io.jwt.decode_verify(input.expFraction, {"secret": input.secret, "time": 1699999999000000000})',
      'io.jwt.decode_verify(input.nbf, {"secret": input.secret, "time": 1700000000000000000})',
      'io.jwt.decode_verify(input.nbf, {"secret": input.secret, "time": 1699999999000000000})',
      'io.jwt.decode_verify(input.nbf, {"secret": input.secret, "time": 1.7e18})',
      'io.jwt.decode_verify(input.nbf, {"secret": input.secret, "time": -1})',
      'io.jwt.decode_verify(input.nbf, {"secret": input.secret, "time": "1"})',
      'io.jwt.decode_verify(input.audArray, {"secret": input.secret, "aud": "toolgate", "time": 0})',
      'io.jwt.decode_verify(input.audArray, {"secret": input.secret, "time": 0})',
      'io.jwt.decode_verify(input.audEmpty, {"secret": input.secret, "time": 0})',
      'io.jwt.decode_verify(input.noAud, {"secret": input.secret, "aud": "toolgate", "time": 0})',
      'io.jwt.decode_verify(input.noAud, {"secret": input.secret, "iss": "other", "time": 0})',
      'io.jwt.decode_verify(input.hs256, {"secret": input.secret, "iss": "issuer", "aud": "toolgate", "time": 0})',
      'io.jwt.decode_verify(input.expString, {"secret": input.secret, "time": 0})',
      'io.jwt.decode_verify(input.critUnknown, {"secret": input.secret, "time": 0})',
      'io.jwt.decode_verify(input.critAbsent, {"secret": input.secret, "time": 0})',
      'io.jwt.decode_verify(input.critMixed, {"secret": input.secret, "time": 0})',
      'io.jwt.decode_verify(input.nested, {"secret": input.secret, "time": 0})',
      'io.jwt.decode_verify(input.hs256, {"secret": input.secret, "cert": input.rsaPem, "time": 0})',
      'io.jwt.decode_verify(input.hs256, {"time": 0})',
      'io.jwt.decode_verify(input.hs256, {"secret": "", "time": 0})',
      'io.jwt.decode_verify(input.hs256, {"secret": input.secret, "bogus": 1})',
      'io.jwt.decode_verify(input.bigNumbers, {"secret": input.secret, "time": 0})',
      'io.jwt.decode_verify(input.twoParts, {"secret": input.secret, "time": 0})',
    ]);
    // the outcomes a tool policy depends on, stated outright
    expect([go.r1, go.r7, go.r8, go.r10, go.r11].every(VERIFIED)).toBe(true);
    expect([go.r4, go.r5, go.r6].map(VERIFIED)).toEqual([false, false, false]);
    // Go divides the time as a float64: 1699999999999999999 ns is 1.7e18, so already at exp (not verified).
    expect([VERIFIED(go.r13), VERIFIED(go.r14), VERIFIED(go.r19), VERIFIED(go.r20)]).toEqual([false, false, true, false]);
    expect([VERIFIED(go.r15), VERIFIED(go.r16), VERIFIED(go.r17), VERIFIED(go.r18)]).toEqual([true, false, true, false]);
  });

  it("decode: header, payload with numbers as written, signature as hex; JWE, arrays and trailing text are errors", async () => {
    await expectSameAsGo([
      "io.jwt.decode(input.rs256)",
      "io.jwt.decode(input.bigNumbers)",
      "io.jwt.decode(input.surrogate)",
      "io.jwt.decode(input.nested)",
      "io.jwt.decode(input.enc)",
      "io.jwt.decode(input.notObject)",
      "io.jwt.decode(input.trailing)",
      "io.jwt.decode(input.none)",
      "io.jwt.decode(input.twoParts)",
      "io.jwt.decode(input.badBase64)",
    ]);
  });

  it("encode_sign_raw: HS256, RS256 and EdDSA tokens byte for byte as Go's; ES256 and PS256 (randomized) verify; errors as Go's", async () => {
    const go = await expectSameAsGo([
      'io.jwt.encode_sign_raw(`{"typ":"JWT",\r\n "alg":"HS256"}`, `{"iss":"joe", "n": 1.50}`, input.octJwk)',
      'io.jwt.encode_sign_raw(`{"alg":"RS256"}`, `{"sub":"é"}`, input.rsaPrivateJwk)',
      'io.jwt.encode_sign_raw(`{"alg":"EdDSA","typ":"JWT"}`, `{}`, input.edPrivateJwk)',
      'io.jwt.encode_sign_raw(`{"alg":"HS256","typ":"text/plain"}`, `not json`, input.octJwk)',
      'io.jwt.verify_es256(io.jwt.encode_sign_raw(`{"alg":"ES256"}`, `{"a":1}`, input.p256PrivateJwk), input.p256Pem)',
      'io.jwt.verify_ps256(io.jwt.encode_sign_raw(`{"alg":"PS256"}`, `{"a":1}`, input.rsaPrivateJwk), input.rsaPem)',
      'io.jwt.decode_verify(io.jwt.encode_sign_raw(`{"alg":"PS256"}`, `{"a":1}`, input.rsaPrivateJwk), {"cert": input.rsaPem, "time": 0})',
      'io.jwt.encode_sign_raw(`{"alg":"HS256"}`, `not json`, input.octJwk)',
      'io.jwt.encode_sign_raw(`{"alg":"none"}`, `{}`, input.octJwk)',
      'io.jwt.encode_sign_raw(`{"typ":"JWT"}`, `{}`, input.octJwk)',
      'io.jwt.encode_sign_raw(`{"alg":"RS256"}`, `{}`, input.octJwk)',
      'io.jwt.encode_sign_raw(`{"alg":"RS256"}`, `{}`, input.rsaJwk)',
      'io.jwt.encode_sign_raw(`{"alg":"HS256"}`, `{}`, `{"keys": []}`)',
    ]);
    expect([go.r4, go.r5]).toEqual([true, true]);
  });

  it("encode_sign: operands marshalled as Go's json.Marshal (sorted keys, HTML-safe escapes, sets, numbers as written)", async () => {
    await expectSameAsGo([
      'io.jwt.encode_sign({"typ": "JWT", "alg": "HS256"}, {"z": 1, "a": [1.50, 1e3, -0], "s": {"b", "a", 2}, "h": "<&>\u2028\b\u0001é🙂", "n": null, "t": true}, input.octJwkObject)',
      'io.jwt.encode_sign({"alg": "RS256"}, {"sub": "x"}, input.rsaPrivateJwkObject)',
      'io.jwt.encode_sign({"alg": "HS256"}, {"é": 1, "e": 2, "É": 3, "😀": 4, "\uffff": 5}, {"kty": "oct", "k": "c2VjcmV0"})',
      'io.jwt.encode_sign({"alg": "HS384", "kid": "k"}, {}, {"keys": [{"kty": "oct", "k": "c2VjcmV0"}]})',
    ]);
  });

  it("key material outside the profile toolgate reads as jwx does fails the evaluation (deny), never answers", async () => {
    const withX5t = JSON.stringify({ ...JSON.parse(fx.input.rsaJwk as string), x5t: "abc" });
    await expect(evalBoth(probeModule(["io.jwt.verify_rs256(input.rs256, input.key)"]), { ...fx.input, key: withX5t })).rejects.toThrow(/not read by toolgate/);
    await expect(evalBoth(probeModule(['io.jwt.decode_verify(input.rs256, {"cert": input.key, "time": 0})']), { ...fx.input, key: withX5t })).rejects.toThrow(/not read by toolgate/);
  });
});
