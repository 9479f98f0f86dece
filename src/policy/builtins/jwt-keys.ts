// The verification keys of OPA's io.jwt builtins (topdown/tokens.go
// parseKeysFromCertOrJWK): a PEM certificate or public key, or a JWK / JWK
// set, imported with node:crypto. Go reads JWKs with lestrrat-go/jwx and PEM
// with encoding/pem and crypto/x509; where their acceptance could differ from
// node's (an unusual PEM layout, JWK fields beyond the common profile, curves
// Go does not verify with, RSA keys under 1024 bits, which Go refuses), the
// evaluation fails (RangeError) instead of answering as Go might not.
import { createPublicKey, createSecretKey, X509Certificate, type KeyObject } from "node:crypto";
import { GoJsonError, parseGoJson } from "./go-json.ts";
import type { RegoValue } from "./rego-text.ts";

export type KeyKind = "rsa" | "ec" | "ed25519" | "oct";

export interface VerificationKey {
  kind: KeyKind;
  /** A JWK with private parameters: Go's verify_* type switch does not accept it, decode_verify does. */
  isPrivate: boolean;
  /** The public key (rsa, ec, ed25519) or the secret (oct). */
  key: KeyObject;
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

const PEM = /^-----BEGIN (CERTIFICATE|PUBLIC KEY)-----\r?\n((?:[A-Za-z0-9+/=]+\r?\n)+)-----END \1-----\r?\n?$/;

function pemKeys(text: string): VerificationKey[] {
  const m = PEM.exec(text) ?? unsupported("this PEM text");
  const der = Buffer.from(m[2]!.replace(/\r?\n/g, ""), "base64");
  let key: KeyObject;
  try {
    key = m[1] === "CERTIFICATE" ? new X509Certificate(der).publicKey : createPublicKey({ key: der, format: "der", type: "spki" });
  } catch {
    // Go: "failed to parse a PEM certificate / public key", an error.
    throw new TypeError("io.jwt: failed to parse the PEM block");
  }
  return [{ kind: kindOf(key), isPrivate: false, key, alg: "", kid: "" }];
}

const B64URL = /^[A-Za-z0-9_-]+$/;
const JWK_FIELDS = new Set(["kty", "kid", "alg", "use", "n", "e", "crv", "x", "y", "k", "d", "p", "q", "dp", "dq", "qi"]);
const PRIVATE_FIELDS = ["d", "p", "q", "dp", "dq", "qi"];

function jwkKey(v: RegoValue): VerificationKey | undefined {
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
      return unsupported(`a JWK of kty ${JSON.stringify(kty)}`);
    }
    try {
      // The public half: what Go verifies with, for a private JWK too.
      const publicJwk = Object.fromEntries(Object.entries(jwk).filter(([name]) => !PRIVATE_FIELDS.includes(name)));
      key = createPublicKey({ key: publicJwk, format: "jwk" });
    } catch {
      return unsupported("a JWK node:crypto cannot import");
    }
  }
  if (alg !== "" && !TOKEN_ALGORITHMS.has(alg)) {
    // Go skips a key for another registered algorithm (jwx parses it); an
    // unregistered name may be a parse error in jwx, so that fails.
    if (!OTHER_JWA_ALGORITHMS.has(alg)) unsupported(`the JWK alg ${JSON.stringify(alg)}`);
    return undefined;
  }
  return { kind: kty === "oct" ? "oct" : kindOf(key), isPrivate, key, alg, kid: fields.get("kid") ?? "" };
}

/** The keys of a cert / key operand; an operand Go cannot parse is an error (TypeError: the call is undefined). */
export function parseKeys(text: string): VerificationKey[] {
  if (text.includes("-----BEGIN")) return pemKeys(text);
  let json: RegoValue;
  try {
    json = parseGoJson(text);
  } catch (err) {
    if (err instanceof GoJsonError) throw new TypeError("io.jwt: failed to parse a JWK key (set)");
    throw err;
  }
  if (json.kind !== "object") throw new TypeError("io.jwt: failed to parse a JWK key (set)");
  const keysEntry = json.entries.find(([k]) => k.kind === "string" && k.value === "keys");
  if (!keysEntry) return [jwkKey(json)].filter((k) => k !== undefined);
  if (json.entries.length !== 1 || keysEntry[1].kind !== "array") return unsupported("a JWK set with other members");
  return keysEntry[1].items.map(jwkKey).filter((k) => k !== undefined);
}
