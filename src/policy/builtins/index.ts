import { createRequire } from "node:module";
import path from "node:path";
import type { RegoValue } from "./rego-text.ts";
import { UnsupportedFormatError } from "./unsupported-format-error.ts";

export { beginEvaluation } from "./evaluation-clock.ts";

export type HostBuiltin = (...args: unknown[]) => unknown;

/** A builtin that reads its operands as Rego text (opa_value_dump: sets stay sets, numbers keep their digits). */
export type RegoTextBuiltin = ((...operands: string[]) => unknown) & { readsRegoText: true };

export function isRegoTextBuiltin(fn: AnyHostBuiltin): fn is RegoTextBuiltin {
  return (fn as Partial<RegoTextBuiltin>).readsRegoText === true;
}

/**
 * A builtin that reads its operands as Rego values: what parseRegoText reads
 * from their Rego text, with strings (and arrays holding them) read straight
 * from the module's memory rather than dumped and parsed (src/policy/wasm-instance.ts).
 */
export type RegoValueBuiltin = ((...operands: RegoValue[]) => unknown) & { readsRegoValues: true };

export function isRegoValueBuiltin(fn: AnyHostBuiltin): fn is RegoValueBuiltin {
  return (fn as Partial<RegoValueBuiltin>).readsRegoValues === true;
}

export type AnyHostBuiltin = HostBuiltin | RegoTextBuiltin | RegoValueBuiltin;

/**
 * As in OPA's Go evaluator (without strict builtin errors), a builtin that
 * fails makes its expression undefined rather than aborting the evaluation:
 * the SDK encodes an undefined result as "no value". This keeps `opa test`
 * and the WASM runtime deciding the same way.
 */
function undefinedOnError<F extends AnyHostBuiltin>(fn: F): F {
  const wrapped = (...args: never[]): unknown => {
    try {
      return (fn as (...a: never[]) => unknown)(...args);
    } catch (err) {
      // A format toolgate cannot print as Go does, or a value too deeply nested
      // for the host to read (RangeError), fails the evaluation (deny): undefined
      // would be an answer Go does not give, and could skip a deny rule.
      if (err instanceof UnsupportedFormatError || err instanceof RangeError) throw err;
      return undefined;
    }
  };
  if (isRegoTextBuiltin(fn)) return Object.assign(wrapped, { readsRegoText: true }) as unknown as F;
  if (isRegoValueBuiltin(fn)) return Object.assign(wrapped, { readsRegoValues: true }) as unknown as F;
  return wrapped as F;
}

type Implementation = AnyHostBuiltin;
type Loader = () => Promise<Implementation>;

const regoText = (fn: (...operands: string[]) => unknown): RegoTextBuiltin => Object.assign(fn, { readsRegoText: true as const });

// One file per namespace, imported when a loaded policy calls one of its builtins:
// a gate's cold start (import + Gate.open) reads only the files its policy needs.
const strings = () => import("./strings.ts");
const time = () => import("./time.ts");
const regex = () => import("./regex.ts");
const crypto = () => import("./crypto.ts");
const encoding = () => import("./encoding.ts");
const units = () => import("./units.ts");
const jwt = () => import("./jwt.ts");
const semver = () => import("./semver.ts");
const net = () => import("./net.ts");
const uri = () => import("./uri.ts");
const urlquery = () => import("./urlquery.ts");
const graphql = () => import("./graphql.ts");

/** Builtins toolgate implements for policies, by Rego name, each as the import of its implementation. */
const hostBuiltinLoaders: Readonly<Record<string, Loader>> = {
  sprintf: async () => (await strings()).sprintf,
  "time.parse_ns": async () => (await time()).parseNs,
  "time.parse_rfc3339_ns": async () => (await time()).parseRfc3339Ns,
  "time.now_ns": async () => (await time()).nowNs,
  "regex.replace": async () => (await regex()).regexReplace,
  "regex.split": async () => (await regex()).regexSplit,
  replace: async () => (await strings()).replace,
  "strings.any_prefix_match": async () => (await strings()).anyPrefixMatch,
  "strings.any_suffix_match": async () => (await strings()).anySuffixMatch,
  "strings.split_n": async () => (await strings()).splitN,
  "strings.count": async () => (await strings()).stringsCount,
  indexof_n: async () => (await strings()).indexOfN,
  "object.subset": async () => (await import("./object.ts")).objectSubsetBuiltin,
  "crypto.hmac.md5": async () => (await crypto()).hmacMd5,
  "crypto.hmac.sha1": async () => (await crypto()).hmacSha1,
  "crypto.hmac.sha256": async () => (await crypto()).hmacSha256,
  "crypto.hmac.sha512": async () => (await crypto()).hmacSha512,
  "crypto.hmac.equal": async () => (await crypto()).hmacEqual,
  "crypto.md5": async () => (await crypto()).md5,
  "crypto.sha1": async () => (await crypto()).sha1,
  "crypto.sha256": async () => (await crypto()).sha256,
  "hex.encode": async () => (await encoding()).hexEncode,
  "hex.decode": async () => (await encoding()).hexDecode,
  "base64url.encode_no_pad": async () => (await encoding()).base64UrlEncodeNoPad,
  "units.parse": async () => (await units()).unitsParse,
  "units.parse_bytes": async () => (await units()).unitsParseBytes,
  "io.jwt.decode": async () => (await jwt()).jwtDecode,
  "io.jwt.decode_verify": async () => {
    const [{ jwtDecodeVerify }, { nowNs }] = await Promise.all([jwt(), time()]);
    return regoText((token, constraints) => jwtDecodeVerify(token!, constraints!, nowNs));
  },
  "io.jwt.encode_sign": async () => {
    const { encodeSign } = await jwt();
    return regoText((headers, payload, key) => encodeSign(headers!, payload!, key!));
  },
  "io.jwt.encode_sign_raw": async () => (await jwt()).encodeSignRaw,
  "io.jwt.verify_hs256": async () => (await jwt()).verifyHs256,
  "io.jwt.verify_hs384": async () => (await jwt()).verifyHs384,
  "io.jwt.verify_hs512": async () => (await jwt()).verifyHs512,
  "io.jwt.verify_rs256": async () => (await jwt()).verifyRs256,
  "io.jwt.verify_rs384": async () => (await jwt()).verifyRs384,
  "io.jwt.verify_rs512": async () => (await jwt()).verifyRs512,
  "io.jwt.verify_ps256": async () => (await jwt()).verifyPs256,
  "io.jwt.verify_ps384": async () => (await jwt()).verifyPs384,
  "io.jwt.verify_ps512": async () => (await jwt()).verifyPs512,
  "io.jwt.verify_es256": async () => (await jwt()).verifyEs256,
  "io.jwt.verify_es384": async () => (await jwt()).verifyEs384,
  "io.jwt.verify_es512": async () => (await jwt()).verifyEs512,
  "io.jwt.verify_eddsa": async () => (await jwt()).verifyEdDsa,
  "semver.is_valid": async () => (await semver()).semverIsValid,
  "semver.compare": async () => (await semver()).semverCompare,
  "net.cidr_is_valid": async () => (await net()).cidrIsValid,
  "net.cidr_expand": async () => (await net()).cidrExpand,
  "net.cidr_contains_matches": async () => (await net()).cidrContainsMatches,
  "net.cidr_merge": async () => (await net()).cidrMerge,
  "uri.parse": async () => (await uri()).uriParse,
  "uri.is_valid": async () => (await uri()).uriIsValid,
  "urlquery.encode": async () => (await urlquery()).urlqueryEncode,
  "urlquery.decode": async () => (await urlquery()).urlqueryDecode,
  "urlquery.encode_object": async () => (await urlquery()).urlqueryEncodeObject,
  "urlquery.decode_object": async () => (await urlquery()).urlqueryDecodeObject,
  "graphql.parse": async () => (await graphql()).graphqlParse,
  "graphql.parse_and_verify": async () => (await graphql()).graphqlParseAndVerify,
  "graphql.parse_query": async () => (await graphql()).graphqlParseQuery,
  "graphql.parse_schema": async () => (await graphql()).graphqlParseSchema,
  "graphql.is_valid": async () => (await graphql()).graphqlIsValid,
  "graphql.schema_is_valid": async () => (await graphql()).graphqlSchemaIsValid,
  "numbers.range_step": async () => (await import("./numbers.ts")).rangeStep,
  "uuid.parse": async () => (await import("./uuid.ts")).uuidParse,
};

/** The Rego names of the builtins toolgate implements. */
export const hostBuiltinNames: readonly string[] = Object.keys(hostBuiltinLoaders);

/** Host builtins by Rego name (undefined on error, as in Go): those of `names` toolgate implements, their files imported. */
export async function loadHostBuiltins(names: Iterable<string>): Promise<Record<string, Implementation>> {
  const wanted = [...new Set(names)].filter((name) => Object.hasOwn(hostBuiltinLoaders, name));
  const loaded = await Promise.all(wanted.map(async (name) => [name, undefinedOnError(await hostBuiltinLoaders[name]!())] as const));
  return Object.fromEntries(loaded);
}

/**
 * Builtins toolgate does not serve, with why: each answers differently from
 * OPA's Go builtin on some input, and a wrong answer is worse than a build
 * error. Leaving them out of build/capabilities.json makes `opa build` refuse
 * them (scripts/generate-capabilities.ts). The SDK's yaml.* follow the JS
 * `yaml` package; the others are compiled into the WASM module itself, so a
 * host implementation cannot replace them.
 */
export const REFUSED_BUILTINS: Readonly<Record<string, string>> = {
  "yaml.is_valid": "the JS yaml package: YAML 1.2, one document (Go: YAML 1.1 rules, the first of several documents)",
  "yaml.marshal": "the JS yaml package's output differs from Go's",
  "yaml.unmarshal": "the JS yaml package: YAML 1.2 (Go: YAML 1.1, e.g. `yes` is true)",
  "json.marshal": "orders an object's keys by the module's hash table (Go: sorted) and does not escape <, >, & (use sprintf(\"%v\", [x]))",
  "json.unmarshal": "the module's JSON parser accepts [1 2], [1,], 01 and trailing text (Go: an error)",
  "json.is_valid": "the module's JSON parser accepts [1 2], 01 and trailing text (Go: false)",
  "base64.decode": "accepts missing or partial padding and spaces (Go: an error)",
  "base64.is_valid": "accepts missing padding (Go: false)",
};

/**
 * The builtins the opa-wasm SDK implements in JS, minus those toolgate
 * refuses. Read from the SDK itself (its package exports hide the folder, so
 * it is resolved by path) so that an SDK upgrade cannot silently change what
 * we claim to provide; read on first use (it loads the `yaml` package), which
 * a policy calling only host builtins never makes.
 */
let sdkTable: Readonly<Record<string, HostBuiltin>> | undefined;
export function sdkBuiltins(): Readonly<Record<string, HostBuiltin>> {
  if (sdkTable) return sdkTable;
  const require = createRequire(import.meta.url);
  const entry = require.resolve("@open-policy-agent/opa-wasm");
  const all = require(path.join(path.dirname(entry), "builtins", "index.js")) as Record<string, HostBuiltin>;
  return (sdkTable = Object.fromEntries(Object.entries(all).filter(([name]) => !Object.hasOwn(REFUSED_BUILTINS, name))));
}

/** Every builtin the runtime can serve when a WASM module imports it. */
export function providedBuiltinNames(): Set<string> {
  return new Set([...Object.keys(sdkBuiltins()), ...hostBuiltinNames]);
}

/** Every builtin the runtime provides, loaded: for tools that instantiate a module outside an engine. */
export async function loadAllBuiltins(): Promise<Map<string, Implementation>> {
  return (await resolveBuiltins([...providedBuiltinNames()])).builtins;
}

/**
 * The implementations of the builtins a policy imports: toolgate's own first,
 * else the SDK's; `missing` names those neither provides.
 */
export async function resolveBuiltins(names: readonly string[]): Promise<{ builtins: Map<string, Implementation>; missing: string[] }> {
  const builtins = new Map<string, Implementation>(Object.entries(await loadHostBuiltins(names)));
  const missing: string[] = [];
  for (const name of names) {
    if (builtins.has(name)) continue;
    const sdk = sdkBuiltins();
    if (Object.hasOwn(sdk, name)) builtins.set(name, sdk[name]!);
    else missing.push(name);
  }
  return { builtins, missing };
}
