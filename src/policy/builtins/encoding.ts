// Host implementations of OPA's hex.encode, hex.decode and
// base64url.encode_no_pad (Go's encoding/hex and base64.RawURLEncoding over a
// string's UTF-8 bytes).

function stringOperand(name: string, value: unknown): string {
  if (typeof value !== "string") throw new TypeError(`${name}: operand must be a string`);
  return value;
}

export function hexEncode(x: unknown): string {
  return Buffer.from(stringOperand("hex.encode", x), "utf8").toString("hex");
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Go's hex.DecodeString: an even number of hex digits of either case, else an
 * error (undefined). Decoded bytes that are not UTF-8 make a Go string the
 * host cannot hand back unchanged, so that fails the evaluation instead.
 */
export function hexDecode(x: unknown): string {
  const s = stringOperand("hex.decode", x);
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new TypeError("hex.decode: not hex");
  try {
    return utf8.decode(Buffer.from(s, "hex"));
  } catch {
    throw new RangeError("hex.decode: the decoded bytes are not UTF-8 text, which toolgate cannot return as Go does");
  }
}

export function base64UrlEncodeNoPad(x: unknown): string {
  return Buffer.from(stringOperand("base64url.encode_no_pad", x), "utf8").toString("base64url");
}
