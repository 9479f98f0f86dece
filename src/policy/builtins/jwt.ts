// Host implementations of OPA's io.jwt.decode, io.jwt.verify_* and
// io.jwt.decode_verify, following topdown/tokens.go step by step (which
// errors make the call undefined, when decode_verify answers [false, {}, {}]).
// The crypto is node:crypto's synchronous API: host builtins are called
// synchronously from the WASM module, and jose's are all async (WebCrypto);
// jose serves as the independent signer in the tests. Header and payload are
// handed back as JSON text with every number as written (Go keeps json.Number).
import { constants, createHmac, sign, timingSafeEqual, verify, type KeyObject } from "node:crypto";
import { compareNumberText, compareRego, compareStrings } from "./go-value.ts";
import { parseGoJson, toJsonText } from "./go-json.ts";
import { parseJwks, parseKeys, TOKEN_ALGORITHMS, type VerificationKey } from "./jwt-keys.ts";
import { parseRegoText, type RegoValue } from "./rego-text.ts";

const encoder = new TextEncoder();
const utf8 = new TextDecoder("utf-8", { fatal: true });
const jsonResult = (text: string): ArrayBuffer => encoder.encode(text).buffer as ArrayBuffer;

function failClosed(what: string): never {
  throw new RangeError(`io.jwt: ${what}; toolgate cannot answer as OPA's Go builtin does, so the evaluation fails`);
}

/** OPA's base64url.decode: padding added when missing (RFC 7515 appendix C), then Go's padded URL decoding. */
function base64UrlDecode(s: string): Buffer {
  let padded = s;
  if (!padded.endsWith("=")) {
    const rest = padded.length % 4;
    if (rest === 1) throw new TypeError("io.jwt: illegal base64url string");
    padded += rest === 2 ? "==" : rest === 3 ? "=" : "";
  }
  // Go's decoder skips CR and LF wherever they are.
  const text = padded.replace(/[\r\n]/g, "");
  if (!/^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}==|[A-Za-z0-9_-]{3}=)?$/.test(text)) throw new TypeError("io.jwt: illegal base64url string");
  return Buffer.from(text.replaceAll("-", "+").replaceAll("_", "/"), "base64");
}

/**
 * Bytes as Go's encoding/json reads them in a string: each byte that does not
 * start a valid UTF-8 sequence (utf8.DecodeRune) becomes one U+FFFD. Outside
 * strings such a byte is a syntax error in Go, and U+FFFD is one here too.
 */
function jsonText(bytes: Buffer): string {
  let out = "";
  let i = 0;
  const cont = (j: number, lo = 0x80, hi = 0xbf): boolean => j < bytes.length && bytes[j]! >= lo && bytes[j]! <= hi;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let size = 0;
    if (b < 0x80) size = 1;
    else if (b >= 0xc2 && b <= 0xdf) size = cont(i + 1) ? 2 : 0;
    else if (b >= 0xe0 && b <= 0xef) {
      const [lo, hi] = b === 0xe0 ? [0xa0, 0xbf] : b === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
      size = cont(i + 1, lo, hi) && cont(i + 2) ? 3 : 0;
    } else if (b >= 0xf0 && b <= 0xf4) {
      const [lo, hi] = b === 0xf0 ? [0x90, 0xbf] : b === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
      size = cont(i + 1, lo, hi) && cont(i + 2) && cont(i + 3) ? 4 : 0;
    }
    if (size === 0) {
      out += "\ufffd";
      i += 1;
    } else {
      out += bytes.toString("utf8", i, i + size);
      i += size;
    }
  }
  return out;
}

/** Decoded bytes as a Go string used as text (a nested token): bytes that are not UTF-8 would come back altered, so that fails. */
function utf8Text(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return failClosed("a decoded token part is not UTF-8 text");
  }
}

interface Token { header: string; payload: string; signature: string }

function splitToken(value: unknown): Token {
  if (typeof value !== "string") throw new TypeError("io.jwt: the token must be a string");
  if (!value.includes(".")) throw new TypeError("io.jwt: encoded JWT had no period separators");
  const parts = value.split(".");
  if (parts.length !== 3) throw new TypeError(`io.jwt: encoded JWT must have 3 sections, found ${parts.length}`);
  return { header: parts[0]!, payload: parts[1]!, signature: parts[2]! };
}

type JsonObject = Extract<RegoValue, { kind: "object" }>;

/** extractJSONObject: JSON that must be an object (Go's decoder errors are errors: undefined). */
function jsonObject(text: string): JsonObject {
  const value = parseGoJson(text);
  if (value.kind !== "object") throw new TypeError("io.jwt: decoded JSON type was not an Object");
  return value;
}

function member(object: JsonObject, name: string): RegoValue | undefined {
  return object.entries.find(([k]) => k.kind === "string" && k.value === name)?.[1];
}

function decodeHeader(token: Token): JsonObject {
  const header = jsonObject(jsonText(base64UrlDecode(token.header)));
  if (member(header, "enc") !== undefined) throw new TypeError("io.jwt: JWT is a JWE object, which is not supported");
  return header;
}

interface TokenHeader { alg: string; kid: string; cty: string; valid: boolean }

/** parseTokenHeader + valid(): alg, kid, typ, cty must be strings, crit a non-empty list naming strings. */
function parseTokenHeader(header: JsonObject): TokenHeader {
  const out = { alg: "", kid: "", cty: "" };
  const unknown: string[] = [];
  let crit: Set<string> | undefined;
  for (const [k, v] of header.entries) {
    const name = (k as { value: string }).value;
    if (name === "alg" || name === "kid" || name === "typ" || name === "cty") {
      if (v.kind !== "string") throw new TypeError(`io.jwt: ${name}: must be a string`);
      if (name !== "typ") out[name] = v.value;
    } else if (name === "crit") {
      if (v.kind !== "array") throw new TypeError("io.jwt: crit: must be a list");
      crit = new Set();
      // Go stops at the first element that is not a string and keeps those before it.
      for (const item of v.items) {
        if (item.kind !== "string") break;
        crit.add(item.value);
      }
      if (crit.size === 0) throw new TypeError("io.jwt: crit: must be a nonempty list");
    } else {
      unknown.push(name);
    }
  }
  return { ...out, valid: out.alg !== "" && !unknown.some((name) => crit?.has(name)) };
}

// io.jwt.decode

/** strings.Trim(s, `"'`), without a regex (linear on any text). */
function trimQuotes(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && (s[start] === '"' || s[start] === "'")) start += 1;
  while (end > start && (s[end - 1] === '"' || s[end - 1] === "'")) end -= 1;
  return s.slice(start, end);
}

function decodeToJson(value: unknown): string {
  const token = splitToken(value);
  const header = decodeHeader(token);
  const payloadBytes = base64UrlDecode(token.payload);
  const cty = member(header, "cty");
  if (cty !== undefined) {
    if (cty.kind !== "string") failClosed("a cty header that is not a string (Go panics)");
    if (cty.value === "JWT") return decodeToJson(trimQuotes(utf8Text(payloadBytes)));
  }
  const payload = jsonObject(jsonText(payloadBytes));
  const signature = base64UrlDecode(token.signature).toString("hex");
  return `[${toJsonText(header)},${toJsonText(payload)},${JSON.stringify(signature)}]`;
}

export function jwtDecode(value: unknown): ArrayBuffer {
  return jsonResult(decodeToJson(value));
}

// io.jwt.verify_hs256/384/512

function hmacVerifier(hash: string): (jwt: unknown, secret: unknown) => boolean {
  return (jwt, secret) => {
    if (typeof jwt !== "string" || typeof secret !== "string") throw new TypeError("io.jwt.verify_hs: operands must be strings");
    const token = splitToken(jwt);
    const mac = createHmac(hash, Buffer.from(secret, "utf8")).update(`${token.header}.${token.payload}`, "utf8").digest();
    const signature = base64UrlDecode(token.signature);
    return signature.length === mac.length && timingSafeEqual(signature, mac);
  };
}

export const verifyHs256 = hmacVerifier("sha256");
export const verifyHs384 = hmacVerifier("sha384");
export const verifyHs512 = hmacVerifier("sha512");

// Signature checks

function rsaModulusBytes(key: KeyObject): number {
  return Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
}

/** Go's rsa.VerifyPKCS1v15 / VerifyPSS: the signature must be exactly the modulus' length (OpenSSL pads a shorter one). */
function verifyRsa(key: KeyObject, hash: string, message: Buffer, signature: Buffer, pss?: { saltLength: number }): boolean {
  if (signature.length !== rsaModulusBytes(key)) return false;
  const padding = pss ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: pss.saltLength } : { padding: constants.RSA_PKCS1_PADDING };
  try {
    return verify(hash, message, { key, ...padding }, signature);
  } catch {
    return false;
  }
}

function derInteger(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start += 1;
  let body = bytes.subarray(start);
  if (body.length === 0 || (body[0]! & 0x80) !== 0) body = Buffer.concat([Buffer.from([0]), body]);
  return Buffer.concat([Buffer.from([0x02]), derLength(body.length), body]);
}

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let x = n; x > 0; x = Math.floor(x / 256)) bytes.unshift(x % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** ecdsa.Verify(key, digest, r, s) with r and s the signature's two halves, whatever its length (Go's verifyES). */
function verifyEcdsa(key: KeyObject, hash: string, message: Buffer, signature: Buffer): boolean {
  const half = Math.floor(signature.length / 2);
  const body = Buffer.concat([derInteger(signature.subarray(0, half)), derInteger(signature.subarray(half))]);
  const der = Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
  try {
    return verify(hash, message, { key, dsaEncoding: "der" }, der);
  } catch {
    return false;
  }
}

function verifyEd25519(key: KeyObject, message: Buffer, signature: Buffer): boolean {
  if (signature.length !== 64) return false;
  try {
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

type Verifier = (key: VerificationKey, message: Buffer, signature: Buffer) => boolean;

/** The verify_* builtins' check: Go's type switch wants a public key of the family (a private JWK is not one). */
const VERIFIERS: Record<string, Verifier> = {
  rs256: (k, m, s) => k.kind === "rsa" && !k.isPrivate && verifyRsa(k.key, "sha256", m, s),
  rs384: (k, m, s) => k.kind === "rsa" && !k.isPrivate && verifyRsa(k.key, "sha384", m, s),
  rs512: (k, m, s) => k.kind === "rsa" && !k.isPrivate && verifyRsa(k.key, "sha512", m, s),
  ps256: (k, m, s) => k.kind === "rsa" && !k.isPrivate && verifyRsa(k.key, "sha256", m, s, { saltLength: constants.RSA_PSS_SALTLEN_AUTO }),
  ps384: (k, m, s) => k.kind === "rsa" && !k.isPrivate && verifyRsa(k.key, "sha384", m, s, { saltLength: constants.RSA_PSS_SALTLEN_AUTO }),
  ps512: (k, m, s) => k.kind === "rsa" && !k.isPrivate && verifyRsa(k.key, "sha512", m, s, { saltLength: constants.RSA_PSS_SALTLEN_AUTO }),
  es256: (k, m, s) => k.kind === "ec" && !k.isPrivate && verifyEcdsa(k.key, "sha256", m, s),
  es384: (k, m, s) => k.kind === "ec" && !k.isPrivate && verifyEcdsa(k.key, "sha384", m, s),
  es512: (k, m, s) => k.kind === "ec" && !k.isPrivate && verifyEcdsa(k.key, "sha512", m, s),
  eddsa: (k, m, s) => k.kind === "ed25519" && !k.isPrivate && verifyEd25519(k.key, m, s),
};

/** builtinJWTVerify: the key with the header's kid if there is one, else any key without an alg or with the header's. */
function keyVerifier(family: string): (jwt: unknown, keyText: unknown) => boolean {
  const check = VERIFIERS[family]!;
  return (jwt, keyText) => {
    const token = splitToken(jwt);
    if (typeof keyText !== "string") throw new TypeError("io.jwt.verify: the key must be a string");
    const keys = parseKeys(keyText);
    const signature = base64UrlDecode(token.signature);
    const header = parseTokenHeader(decodeHeader(token));
    const message = Buffer.from(`${token.header}.${token.payload}`, "utf8");
    if (header.kid !== "") {
      const byKid = keys.find((k) => k.kid === header.kid);
      if (byKid) return check(byKid, message, signature);
    }
    return keys.some((k) => (k.alg === "" || k.alg === header.alg) && check(k, message, signature));
  };
}

export const verifyRs256 = keyVerifier("rs256");
export const verifyRs384 = keyVerifier("rs384");
export const verifyRs512 = keyVerifier("rs512");
export const verifyPs256 = keyVerifier("ps256");
export const verifyPs384 = keyVerifier("ps384");
export const verifyPs512 = keyVerifier("ps512");
export const verifyEs256 = keyVerifier("es256");
export const verifyEs384 = keyVerifier("es384");
export const verifyEs512 = keyVerifier("es512");
export const verifyEdDsa = keyVerifier("eddsa");

// io.jwt.decode_verify

const HASH_OF: Record<string, string> = { "256": "sha256", "384": "sha384", "512": "sha512" };

/** jwsbb.Verify(key, alg, ...): private keys verify with their public half; ES* wants exactly two key-size halves; PS* a salt as long as the hash. */
function jwsVerify(key: VerificationKey | { kind: "secret"; secret: Buffer }, alg: string, message: Buffer, signature: Buffer): boolean {
  const family = alg.slice(0, 2);
  const hash = HASH_OF[alg.slice(2)];
  if (alg === "EdDSA") return key.kind === "ed25519" && verifyEd25519(key.key, message, signature);
  if (hash === undefined || alg.length !== 5) return false;
  if (family === "HS") {
    const secret = key.kind === "secret" ? key.secret : key.kind === "oct" ? key.key.export() : undefined;
    if (!secret) return false;
    const mac = createHmac(hash, secret).update(message).digest();
    return signature.length === mac.length && timingSafeEqual(signature, mac);
  }
  if (key.kind === "secret") return false;
  if (family === "RS") return key.kind === "rsa" && verifyRsa(key.key, hash, message, signature);
  if (family === "PS") return key.kind === "rsa" && verifyRsa(key.key, hash, message, signature, { saltLength: Number(alg.slice(2)) / 8 });
  if (family === "ES") {
    if (key.kind !== "ec") return false;
    const size = { prime256v1: 32, secp384r1: 48, secp521r1: 66 }[key.key.asymmetricKeyDetails?.namedCurve as string] ?? 0;
    return signature.length === size * 2 && verifyEcdsa(key.key, hash, message, signature);
  }
  return false;
}

interface Constraints { keys?: VerificationKey[]; secret: string; alg: string; iss: string; aud: string; time: number }

function constraintString(name: string, v: RegoValue): string {
  if (v.kind !== "string") throw new TypeError(`io.jwt.decode_verify: ${name} constraint: must be a string`);
  return v.value;
}

/** timeFromValue: a number Go reads as a finite, non-negative float64. */
function timeFromNumberText(text: string): number {
  const t = Number(text);
  if (!Number.isFinite(t)) throw new TypeError("io.jwt.decode_verify: token time constraint: invalid float64");
  if (t < 0) throw new TypeError("io.jwt.decode_verify: token time constraint: must not be negative");
  return t;
}

/** The evaluation's time in ns as JSON number text (time.now_ns: one value per evaluation). */
export type EvaluationTime = () => ArrayBuffer;

function parseConstraints(object: RegoValue, now: EvaluationTime): Constraints {
  if (object.kind !== "object") throw new TypeError("io.jwt.decode_verify: the constraints must be an object");
  const c: Constraints = { secret: "", alg: "", iss: "", aud: "", time: -1 };
  for (const [k, v] of object.entries) {
    if (k.kind !== "string") failClosed("a constraint key that is not a string (Go panics)");
    switch (k.value) {
      case "cert":
        c.keys = parseKeys(constraintString("cert", v));
        break;
      case "secret":
      case "alg":
      case "iss":
      case "aud":
        c[k.value] = constraintString(k.value, v);
        break;
      case "time":
        if (v.kind !== "number") throw new TypeError("io.jwt.decode_verify: token time constraint: must be a number");
        c.time = timeFromNumberText(v.text);
        break;
      default:
        throw new TypeError(`io.jwt.decode_verify: unknown token validation constraint: ${k.value}`);
    }
  }
  if (c.time === -1) c.time = timeFromNumberText(new TextDecoder().decode(now()));
  const keySources = (c.keys !== undefined ? 1 : 0) + (c.secret !== "" ? 1 : 0);
  if (keySources > 1) throw new TypeError("io.jwt.decode_verify: duplicate key constraints");
  if (keySources < 1) throw new TypeError("io.jwt.decode_verify: no key constraint");
  return c;
}

function signatureVerified(c: Constraints, header: TokenHeader, token: Token, signature: Buffer): boolean {
  const message = Buffer.from(`${token.header}.${token.payload}`, "utf8");
  if (c.keys !== undefined) {
    if (header.kid !== "") {
      const byKid = c.keys.find((k) => k.kid === header.kid);
      if (byKid) return jwsVerify(byKid, header.alg, message, signature);
    }
    return c.keys.some((k) => (k.alg === "" || k.alg === header.alg) && jwsVerify(k, header.alg, message, signature));
  }
  return jwsVerify({ kind: "secret", secret: Buffer.from(c.secret, "utf8") }, header.alg, message, signature);
}

const UNVERIFIED = "[false,{},{}]";
/** Number texts Go's NumberCompare would panic on (big.Rat refuses exponents beyond 1e6). */
const HUGE_EXPONENT = /[eE][+-]?\d{6,}/;

function compareWithTime(seconds: number, v: RegoValue): number {
  if (v.kind !== "number") throw new TypeError("io.jwt.decode_verify: exp and nbf values must be numbers");
  if (HUGE_EXPONENT.test(v.text)) failClosed("an exp or nbf with a huge exponent");
  // Go compares the shortest text of the float64 (FormatFloat 'g', -1) exactly with the claim as written.
  return compareNumberText(String(seconds), v.text);
}

function decodeVerifyToJson(jwt: RegoValue, constraintsValue: RegoValue, now: EvaluationTime): string {
  const c = parseConstraints(constraintsValue, now);
  let value: unknown = jwt.kind === "string" ? jwt.value : jwt;
  let header: JsonObject;
  let payloadBytes: Buffer;
  for (;;) {
    const token = splitToken(value);
    header = decodeHeader(token);
    const parsed = parseTokenHeader(header);
    if (!parsed.valid) return UNVERIFIED;
    if (c.alg !== "" && c.alg !== parsed.alg) return UNVERIFIED;
    const signature = base64UrlDecode(token.signature);
    if (!signatureVerified(c, parsed, token, signature)) return UNVERIFIED;
    payloadBytes = base64UrlDecode(token.payload);
    if (parsed.cty.toLowerCase() === "jwt" && parsed.cty.length === 3) {
      value = utf8Text(payloadBytes);
      continue;
    }
    break;
  }
  const payload = jsonObject(jsonText(payloadBytes));
  if (c.iss !== "") {
    const iss = member(payload, "iss");
    if (iss === undefined) return UNVERIFIED;
    if (iss.kind !== "string") failClosed("an iss claim that is not a string (Go panics)");
    if (iss.value !== c.iss) return UNVERIFIED;
  }
  const aud = member(payload, "aud");
  if (aud !== undefined) {
    const valid = aud.kind === "string" ? aud.value === c.aud : aud.kind === "array" && aud.items.some((x) => x.kind === "string" && x.value === c.aud);
    if (!valid) return UNVERIFIED;
  } else if (c.aud !== "") {
    return UNVERIFIED;
  }
  const seconds = c.time / 1e9;
  const exp = member(payload, "exp");
  if (exp !== undefined && compareWithTime(seconds, exp) !== -1) return UNVERIFIED;
  const nbf = member(payload, "nbf");
  if (nbf !== undefined && compareWithTime(seconds, nbf) === -1) return UNVERIFIED;
  return `[true,${toJsonText(header)},${toJsonText(payload)}]`;
}

/**
 * Operands as Rego text (Go panics on a constraint key that is not a string,
 * which JSON would hide); without a time constraint, the evaluation's time.
 */
export function jwtDecodeVerify(jwtText: string, constraintsText: string, now: EvaluationTime): ArrayBuffer {
  return jsonResult(decodeVerifyToJson(parseRegoText(jwtText), parseRegoText(constraintsText), now));
}

// io.jwt.encode_sign_raw

/** jwsbb.Sign(jwk key, alg, input): the JWK's secret or private key of the algorithm's family, else an error. */
function jwsSign(key: VerificationKey, alg: string, input: Buffer): Buffer {
  const hash = HASH_OF[alg.slice(2)] ?? "";
  if (alg.startsWith("HS")) {
    if (key.kind !== "oct") throw new TypeError("io.jwt.encode_sign: HMAC needs an oct JWK");
    return createHmac(hash, key.key.export()).update(input).digest();
  }
  const privateKey = key.privateKey ?? (() => {
    throw new TypeError("io.jwt.encode_sign: signing needs a private JWK");
  })();
  if (alg === "EdDSA" && key.kind === "ed25519") return sign(null, input, privateKey);
  if (alg.startsWith("RS") && key.kind === "rsa") return sign(hash, input, { key: privateKey, padding: constants.RSA_PKCS1_PADDING });
  if (alg.startsWith("PS") && key.kind === "rsa") {
    return sign(hash, input, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 });
  }
  if (alg.startsWith("ES") && key.kind === "ec") return sign(hash, input, { key: privateKey, dsaEncoding: "ieee-p1363" });
  throw new TypeError(`io.jwt.encode_sign: the JWK cannot sign ${alg}`);
}

/** A header member Go reads with valyala/fastjson: plain strings only (escapes and duplicate keys fail closed). */
function headerString(header: JsonObject, headersText: string, name: string): string | undefined {
  const v = member(header, name);
  if (v === undefined || v.kind !== "string") return undefined;
  if (headersText.includes("\\")) failClosed("a JWS header with escapes");
  return v.value;
}

/**
 * io.jwt.encode_sign_raw(headers, payload, jwk) as commonBuiltinJWTEncodeSign:
 * the first key of the JWK (set), the header's alg (one OPA knows), a JSON
 * payload unless typ names another media type, and base64url(headers) "."
 * base64url(payload) signed. RSA PKCS#1 v1.5, HMAC and Ed25519 signatures are
 * deterministic (as Go's); PS* and ES* are randomized in both.
 */
export function encodeSignRaw(headersText: unknown, payloadText: unknown, jwkText: unknown): string {
  if (typeof jwkText !== "string" || typeof headersText !== "string" || typeof payloadText !== "string") {
    throw new TypeError("io.jwt.encode_sign_raw: operands must be strings");
  }
  const keys = parseJwks(jwkText);
  if (keys.length === 0) throw new TypeError("io.jwt.encode_sign_raw: no keys found in JWK set");
  let header: RegoValue;
  try {
    header = parseGoJson(headersText, () => failClosed("a JWS header with a repeated member"));
  } catch (err) {
    if (err instanceof RangeError) throw err;
    // Go reads the header with valyala/fastjson, which accepts some text
    // strict JSON does not; without "alg" (even escaped) it cannot find one.
    if (/alg|\\/.test(headersText)) return failClosed("a JWS header that is not strict JSON");
    throw new TypeError("io.jwt.encode_sign_raw: missing or invalid 'alg' header");
  }
  if (header.kind !== "object") return failClosed("a JWS header that is not an object");
  const alg = headerString(header, headersText, "alg");
  if (alg === undefined) throw new TypeError("io.jwt.encode_sign_raw: missing or invalid 'alg' header");
  if (!TOKEN_ALGORITHMS.has(alg)) throw new TypeError(`io.jwt.encode_sign_raw: unknown JWS algorithm: ${alg}`);
  const typ = headerString(header, headersText, "typ");
  if (typ === undefined || typ === "JWT") {
    try {
      parseGoJson(payloadText);
    } catch {
      throw new TypeError("io.jwt.encode_sign_raw: type is JWT but payload is not JSON");
    }
  }
  const input = `${Buffer.from(headersText, "utf8").toString("base64url")}.${Buffer.from(payloadText, "utf8").toString("base64url")}`;
  return `${input}.${jwsSign(keys[0]!, alg, Buffer.from(input, "utf8")).toString("base64url")}`;
}

// io.jwt.encode_sign

/** Go's json.Marshal of a string (HTML-safe): <, >, & and U+2028/2029 escaped, \b \f \n \r \t short, other controls \u00xx. */
function goJsonString(s: string): string {
  let out = '"';
  for (const ch of s.toWellFormed()) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (cp < 0x20 || ch === "<" || ch === ">" || ch === "&" || cp === 0x2028 || cp === 0x2029) out += "\\u" + cp.toString(16).padStart(4, "0");
    else out += ch;
  }
  return out + '"';
}

/** json.Marshal(ast.JSON(v)): object keys sorted by bytes, sets as arrays in Go's order, numbers as written. */
function goJsonMarshal(v: RegoValue): string {
  switch (v.kind) {
    case "null": return "null";
    case "boolean": return String(v.value);
    case "number": return v.text;
    case "string": return goJsonString(v.value);
    case "array": return `[${v.items.map(goJsonMarshal).join(",")}]`;
    case "set": return `[${[...v.items].sort(compareRego).map(goJsonMarshal).join(",")}]`;
    case "object": {
      const entries = v.entries.map(([k, x]): [string, RegoValue] => {
        if (k.kind !== "string") failClosed("an object key that is not a string");
        return [k.value, x];
      });
      entries.sort(([a], [b]) => compareStrings(a, b));
      return `{${entries.map(([k, x]) => `${goJsonString(k)}:${goJsonMarshal(x)}`).join(",")}}`;
    }
  }
}

/** io.jwt.encode_sign(headers, payload, key): each operand marshalled as Go's json.Marshal, then encode_sign_raw. */
export function encodeSign(headersText: string, payloadText: string, keyText: string): string {
  return encodeSignRaw(goJsonMarshal(parseRegoText(headersText)), goJsonMarshal(parseRegoText(payloadText)), goJsonMarshal(parseRegoText(keyText)));
}
