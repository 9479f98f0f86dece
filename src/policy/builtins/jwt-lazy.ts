// The io.jwt.* host builtins, loaded on first call: most policies never sign
// or verify a token, and the gate's cold start (import + Gate.open) should
// not pay for reading jwt.ts, its key parser and its JSON reader. Node loads
// an ES module synchronously through require (the WASM module calls host
// builtins synchronously); the module instance is the one `import` would give.
import { createRequire } from "node:module";
import { nowNs } from "./time.ts";

type JwtModule = typeof import("./jwt.ts");
// index.ts's HostBuiltin and RegoTextBuiltin, restated (index.ts imports this file).
type HostBuiltin = (...args: unknown[]) => unknown;
type RegoTextBuiltin = ((...operands: string[]) => unknown) & { readsRegoText: true };

let loaded: JwtModule | undefined;
const jwt = (): JwtModule => (loaded ??= createRequire(import.meta.url)("./jwt.ts") as JwtModule);

type PlainName = "jwtDecode" | "encodeSignRaw" | "verifyHs256" | "verifyHs384" | "verifyHs512" | "verifyRs256" | "verifyRs384"
  | "verifyRs512" | "verifyPs256" | "verifyPs384" | "verifyPs512" | "verifyEs256" | "verifyEs384" | "verifyEs512" | "verifyEdDsa";

const plain = (name: PlainName): HostBuiltin => (...args: unknown[]) => (jwt()[name] as (...a: unknown[]) => unknown)(...args);

const regoText = (fn: (...operands: string[]) => unknown): RegoTextBuiltin => Object.assign(fn, { readsRegoText: true as const });

export const jwtBuiltins: Readonly<Record<string, HostBuiltin | RegoTextBuiltin>> = {
  "io.jwt.decode": plain("jwtDecode"),
  "io.jwt.decode_verify": regoText((token, constraints) => jwt().jwtDecodeVerify(token!, constraints!, nowNs)),
  "io.jwt.encode_sign": regoText((headers, payload, key) => jwt().encodeSign(headers!, payload!, key!)),
  "io.jwt.encode_sign_raw": plain("encodeSignRaw"),
  "io.jwt.verify_hs256": plain("verifyHs256"),
  "io.jwt.verify_hs384": plain("verifyHs384"),
  "io.jwt.verify_hs512": plain("verifyHs512"),
  "io.jwt.verify_rs256": plain("verifyRs256"),
  "io.jwt.verify_rs384": plain("verifyRs384"),
  "io.jwt.verify_rs512": plain("verifyRs512"),
  "io.jwt.verify_ps256": plain("verifyPs256"),
  "io.jwt.verify_ps384": plain("verifyPs384"),
  "io.jwt.verify_ps512": plain("verifyPs512"),
  "io.jwt.verify_es256": plain("verifyEs256"),
  "io.jwt.verify_es384": plain("verifyEs384"),
  "io.jwt.verify_es512": plain("verifyEs512"),
  "io.jwt.verify_eddsa": plain("verifyEdDsa"),
};
