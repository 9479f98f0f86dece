// Host implementations of OPA's crypto.hmac.*, crypto.hmac.equal and the
// crypto.md5/sha1/sha256 digests, with node:crypto. Strings are hashed as
// their UTF-8 bytes, as Go hashes a Rego string; results are lowercase hex.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

function stringOperand(name: string, value: unknown): string {
  if (typeof value !== "string") throw new TypeError(`${name}: operands must be strings`);
  return value;
}

function hmacOf(algorithm: string, name: string): (x: unknown, key: unknown) => string {
  return (x, key) =>
    createHmac(algorithm, Buffer.from(stringOperand(name, key), "utf8")).update(stringOperand(name, x), "utf8").digest("hex");
}

function digestOf(algorithm: string, name: string): (x: unknown) => string {
  return (x) => createHash(algorithm).update(stringOperand(name, x), "utf8").digest("hex");
}

export const hmacMd5 = hmacOf("md5", "crypto.hmac.md5");
export const hmacSha1 = hmacOf("sha1", "crypto.hmac.sha1");
export const hmacSha256 = hmacOf("sha256", "crypto.hmac.sha256");
export const hmacSha512 = hmacOf("sha512", "crypto.hmac.sha512");

export const md5 = digestOf("md5", "crypto.md5");
export const sha1 = digestOf("sha1", "crypto.sha1");
export const sha256 = digestOf("sha256", "crypto.sha256");

/** Go's hmac.Equal: constant time in the contents; strings of different byte lengths are unequal. */
export function hmacEqual(mac1: unknown, mac2: unknown): boolean {
  const a = Buffer.from(stringOperand("crypto.hmac.equal", mac1), "utf8");
  const b = Buffer.from(stringOperand("crypto.hmac.equal", mac2), "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}
