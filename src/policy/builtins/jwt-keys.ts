// The verification keys of OPA's io.jwt builtins (topdown/tokens.go
// parseKeysFromCertOrJWK): a PEM certificate or public key, or a JWK / JWK
// set, imported with node:crypto. Go reads JWKs with lestrrat-go/jwx and PEM
// with encoding/pem and crypto/x509; where their acceptance could differ from
// node's (an unusual PEM layout, JWK fields beyond the common profile, curves
// Go does not verify with, RSA keys under 1024 bits, which Go refuses), the
// evaluation fails (RangeError) instead of answering as Go might not.
import { createPrivateKey, createPublicKey, createSecretKey, X509Certificate, type KeyObject } from "node:crypto";
import { GoJsonError, parseGoJson } from "./go-json.ts";
import type { RegoValue } from "./rego-text.ts";

export type KeyKind = "rsa" | "ec" | "ed25519" | "oct";

export interface VerificationKey {
  kind: KeyKind;
  /** A JWK with private parameters: Go's verify_* type switch does not accept it, decode_verify does. */
  isPrivate: boolean;
  /** The public key (rsa, ec, ed25519) or the secret (oct). */
  key: KeyObject;
  /** The private key of a JWK with private parameters (what io.jwt.encode_sign* signs with). */
  privateKey?: KeyObject;
  alg: string;
  kid: string;
}

/** The algorithms OPA accepts (tokenAlgorithms); a JWK naming another is skipped. */
export const TOKEN_ALGORITHMS = new Set(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "HS256", "HS384", "HS512", "EdDSA"]);

const OTHER_JWA_ALGORITHMS = new Set([
  "none", "ES256K", "RSA1_5", "RSA-OAEP", "RSA-OAEP-256", "RSA-OAEP-384", "RSA-OAEP-512", "A128KW", "A192KW", "A256KW", "dir",
  "ECDH-ES", "ECDH-ES+A128KW", "ECDH-ES+A192KW", "ECDH-ES+A256KW", "A128GCMKW", "A192GCMKW", "A256GCMKW",
  "PBES2-HS256+A128KW", "PBES2-HS384+A192KW", "PBES2-HS512+A256KW",
]);

const CURVES = new Set(["prime256v1", "secp384r1", "secp521r1"]);
const JWK_CURVES: Record<string, number> = { "P-256": 32, "P-384": 48, "P-521": 66 };

function unsupported(what: string): never {
  throw new RangeError(`io.jwt: ${what} is not read by toolgate as OPA's Go builtin reads it; the evaluation fails`);
}

function kindOf(key: KeyObject): KeyKind {
  const type = key.asymmetricKeyType;
  if (type === "rsa") {
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 1024) unsupported("an RSA key under 1024 bits");
    return "rsa";
  }
  if (type === "ec") {
    if (!CURVES.has(key.asymmetricKeyDetails?.namedCurve ?? "")) unsupported("an EC key on this curve");
    return "ec";
  }
  if (type === "ed25519") return "ed25519";
  return unsupported(`a ${type ?? "unknown"} key`);
}

/** Go's base64.StdEncoding.Decode: padded, CR and LF skipped; anything else is an error. */
function goStdBase64(text: string): Buffer | undefined {
  const s = text.replace(/[\r\n]/g, "");
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) return undefined;
  return Buffer.from(s, "base64");
}

/** Go's bytes.TrimRight(line, " \t") of the next line (LF or CRLF), the rest, and how much was consumed. */
function getLine(data: string): { line: string; rest: string; consumed: number } {
  let i = data.indexOf("\n");
  let j: number;
  if (i < 0) {
    i = data.length;
    j = i;
  } else {
    j = i + 1;
    if (i > 0 && data[i - 1] === "\r") i -= 1;
  }
  let end = i;
  while (end > 0 && (data[end - 1] === " " || data[end - 1] === "\t")) end -= 1;
  return { line: data.slice(0, end), rest: data.slice(j), consumed: j };
}

/** A port of Go's encoding/pem.Decode: the first well-formed block (its type and bytes) and the text after it. */
export function pemDecode(data: string): { type: string; bytes: Buffer; rest: string } | undefined {
  const PEM_START = "\n-----BEGIN ";
  const PEM_END = "\n-----END ";
  let rest = data;
  let endTrailerIndex = 0;
  for (;;) {
    if (endTrailerIndex < 0 || endTrailerIndex > rest.length) return undefined;
    rest = rest.slice(endTrailerIndex);
    let endIndex = rest.indexOf(PEM_END);
    if (endIndex < 0) return undefined;
    endTrailerIndex = endIndex + PEM_END.length;
    const beginIndex = rest.slice(0, endIndex).lastIndexOf(PEM_START.slice(1));
    if (beginIndex < 0 || (beginIndex > 0 && rest[beginIndex - 1] !== "\n")) continue;
    rest = rest.slice(beginIndex + PEM_START.length - 1);
    endIndex -= beginIndex + PEM_START.length - 1;
    endTrailerIndex -= beginIndex + PEM_START.length - 1;
    const typeLine = getLine(rest);
    rest = typeLine.rest;
    endIndex -= typeLine.consumed;
    endTrailerIndex -= typeLine.consumed;
    if (!typeLine.line.endsWith("-----")) continue;
    const type = typeLine.line.slice(0, -5);
    let headers = 0;
    let truncated = false;
    for (;;) {
      if (rest.length === 0) {
        truncated = true;
        break;
      }
      const { line, rest: next, consumed } = getLine(rest);
      if (!line.includes(":")) break;
      headers += 1;
      rest = next;
      endIndex -= consumed;
      endTrailerIndex -= consumed;
    }
    if (truncated) return undefined;
    if (headers > 0 && endIndex < 0) continue;
    let endTrailer = rest.slice(endTrailerIndex);
    const endTrailerLen = type.length + 5;
    if (endTrailer.length < endTrailerLen) continue;
    const restOfEndLine = endTrailer.slice(endTrailerLen);
    endTrailer = endTrailer.slice(0, endTrailerLen);
    if (!endTrailer.startsWith(type) || !endTrailer.endsWith("-----")) continue;
    if (getLine(restOfEndLine).line.length !== 0) continue;
    let bytes: Buffer = Buffer.alloc(0);
    if (endIndex > 0) {
      const decoded = goStdBase64(rest.slice(0, endIndex).replace(/[ \t]/g, ""));
      if (!decoded) continue;
      bytes = decoded;
    }
    return { type, bytes, rest: getLine(rest.slice(endIndex + PEM_END.length - 1)).rest };
  }
}

function pemKeys(block: { type: string; bytes: Buffer; rest: string }): VerificationKey[] {
  if (block.rest.length > 0) throw new TypeError("io.jwt: extra data after a PEM certificate block");
  if (block.type !== "CERTIFICATE" && block.type !== "PUBLIC KEY") throw new TypeError("io.jwt: failed to extract a Key from the PEM certificate");
  let key: KeyObject;
  try {
    key = block.type === "CERTIFICATE" ? new X509Certificate(block.bytes).publicKey : createPublicKey({ key: block.bytes, format: "der", type: "spki" });
  } catch {
    throw new TypeError("io.jwt: failed to parse the PEM block");
  }
  return [{ kind: kindOf(key), isPrivate: false, key, alg: "", kid: "" }];
}

const B64URL = /^[A-Za-z0-9_-]+$/;
const JWK_FIELDS = new Set(["kty", "kid", "alg", "use", "n", "e", "crv", "x", "y", "k", "d", "p", "q", "dp", "dq", "qi"]);
const PRIVATE_FIELDS = ["d", "p", "q", "dp", "dq", "qi"];

/** A JWK as jwx reads it; undefined for one whose alg OPA's verification skips. */
function jwkKey(v: RegoValue): VerificationKey & { skipped: boolean } {
  if (v.kind !== "object") return unsupported("a JWK that is not an object");
  const fields = new Map<string, string>();
  for (const [k, x] of v.entries) {
    const name = k.kind === "string" ? k.value : "";
    if (!JWK_FIELDS.has(name) || x.kind !== "string") unsupported(`the JWK field ${JSON.stringify(name)}`);
    fields.set(name, x.value);
  }
  const kty = fields.get("kty");
  const alg = fields.get("alg") ?? "";
  const use = fields.get("use");
  if (use !== undefined && use !== "sig" && use !== "enc") unsupported("a JWK use other than sig or enc");
  for (const name of ["n", "e", "x", "y", "k", ...PRIVATE_FIELDS]) {
    const value = fields.get(name);
    if (value !== undefined && !B64URL.test(value)) unsupported(`a JWK ${name} that is not unpadded base64url`);
  }
  const isPrivate = PRIVATE_FIELDS.some((name) => fields.has(name));
  const jwk = Object.fromEntries(fields);
  let key: KeyObject;
  let privateKey: KeyObject | undefined;
  if (kty === "oct") {
    if (!fields.has("k") || isPrivate) unsupported("this oct JWK");
    key = createSecretKey(Buffer.from(fields.get("k")!, "base64url"));
  } else {
    if (kty === "RSA") {
      if (!fields.has("n") || !fields.has("e") || (isPrivate && !PRIVATE_FIELDS.every((name) => fields.has(name)))) unsupported("this RSA JWK");
    } else if (kty === "EC") {
      const size = JWK_CURVES[fields.get("crv") ?? ""] ?? unsupported("this EC JWK curve");
      for (const name of ["x", "y"]) if (Buffer.from(fields.get(name) ?? "", "base64url").length !== size) unsupported("this EC JWK");
    } else if (kty === "OKP") {
      if (fields.get("crv") !== "Ed25519" || Buffer.from(fields.get("x") ?? "", "base64url").length !== 32) unsupported("this OKP JWK");
    } else {
      // jwx: "invalid key type", an error.
      throw new TypeError(`io.jwt: failed to parse a JWK of kty ${JSON.stringify(kty)}`);
    }
    try {
      // The public half: what Go verifies with, for a private JWK too.
      const publicJwk = Object.fromEntries(Object.entries(jwk).filter(([name]) => !PRIVATE_FIELDS.includes(name)));
      key = createPublicKey({ key: publicJwk, format: "jwk" });
      if (isPrivate) privateKey = createPrivateKey({ key: jwk, format: "jwk" });
    } catch {
      return unsupported("a JWK node:crypto cannot import");
    }
  }
  // Go skips a key for another registered algorithm (jwx parses it); an
  // unregistered name may be a parse error in jwx, so that fails.
  if (alg !== "" && !TOKEN_ALGORITHMS.has(alg) && !OTHER_JWA_ALGORITHMS.has(alg)) unsupported(`the JWK alg ${JSON.stringify(alg)}`);
  const kind = kty === "oct" ? "oct" : kindOf(key);
  return { kind, isPrivate, key, privateKey, alg, kid: fields.get("kid") ?? "", skipped: alg !== "" && !TOKEN_ALGORITHMS.has(alg) };
}

/** The keys of a cert / key operand; an operand Go cannot parse is an error (TypeError: the call is undefined). */
export function parseKeys(text: string): VerificationKey[] {
  const block = pemDecode(text);
  if (block) return pemKeys(block);
  return parseJwks(text).filter((k) => !k.skipped);
}

/** jwk.Parse: a JWK or a JWK set, every key in order. */
export function parseJwks(text: string): Array<VerificationKey & { skipped: boolean }> {
  let json: RegoValue;
  try {
    json = parseGoJson(text);
  } catch (err) {
    if (err instanceof GoJsonError) throw new TypeError("io.jwt: failed to parse a JWK key (set)");
    throw err;
  }
  if (json.kind !== "object") throw new TypeError("io.jwt: failed to parse a JWK key (set)");
  const keysEntry = json.entries.find(([k]) => k.kind === "string" && k.value === "keys");
  if (!keysEntry) return [jwkKey(json)];
  if (json.entries.length !== 1 || keysEntry[1].kind !== "array") return unsupported("a JWK set with other members");
  return keysEntry[1].items.map(jwkKey);
}
