import { createRequire } from "node:module";
import path from "node:path";
import { UnsupportedFormatError } from "./go-fmt.ts";
import type { RegoValue } from "./rego-text.ts";
import { graphqlIsValid, graphqlParse, graphqlParseAndVerify, graphqlParseQuery, graphqlParseSchema, graphqlSchemaIsValid } from "./graphql.ts";
import { rangeStep } from "./numbers.ts";
import { cidrContainsMatches, cidrExpand, cidrIsValid, cidrMerge } from "./net.ts";
import { forgetRememberedReplace, regexReplace, regexSplit } from "./regex.ts";
import { semverCompare, semverIsValid } from "./semver.ts";
import { replace, sprintf } from "./strings.ts";
import { anyPrefixMatch, anySuffixMatch, indexOfN, splitN, stringsCount } from "./strings.ts";
import { hmacEqual, hmacMd5, hmacSha1, hmacSha256, hmacSha512, md5, sha1, sha256 } from "./crypto.ts";
import { base64UrlEncodeNoPad, hexDecode, hexEncode } from "./encoding.ts";
import { objectSubsetBuiltin } from "./object.ts";
import { unitsParse, unitsParseBytes } from "./units.ts";
import { jwtBuiltins } from "./jwt-lazy.ts";
import { beginEvaluation as beginTimeEvaluation, nowNs, parseNs, parseRfc3339Ns } from "./time.ts";
import { uriIsValid, uriParse } from "./uri.ts";
import { uuidParse } from "./uuid.ts";
import { urlqueryDecode, urlqueryDecodeObject, urlqueryEncode, urlqueryEncodeObject } from "./urlquery.ts";

/** Called by the engine before each evaluation: per-evaluation state starts afresh (time.now_ns, the remembered replace). */
export function beginEvaluation(): void {
  beginTimeEvaluation();
  forgetRememberedReplace();
}

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

/** Builtins toolgate implements for policies, by Rego name; one file per namespace. */
export const hostBuiltins: Readonly<Record<string, AnyHostBuiltin>> = Object.fromEntries(
  Object.entries({
    sprintf: sprintf,
    "time.parse_ns": parseNs,
    "time.parse_rfc3339_ns": parseRfc3339Ns,
    "time.now_ns": nowNs,
    "regex.replace": regexReplace,
    "regex.split": regexSplit,
    replace: replace,
    "strings.any_prefix_match": anyPrefixMatch,
    "strings.any_suffix_match": anySuffixMatch,
    "strings.split_n": splitN,
    "strings.count": stringsCount,
    indexof_n: indexOfN,
    "object.subset": objectSubsetBuiltin,
    "crypto.hmac.md5": hmacMd5,
    "crypto.hmac.sha1": hmacSha1,
    "crypto.hmac.sha256": hmacSha256,
    "crypto.hmac.sha512": hmacSha512,
    "crypto.hmac.equal": hmacEqual,
    "crypto.md5": md5,
    "crypto.sha1": sha1,
    "crypto.sha256": sha256,
    "hex.encode": hexEncode,
    "hex.decode": hexDecode,
    "base64url.encode_no_pad": base64UrlEncodeNoPad,
    "units.parse": unitsParse,
    "units.parse_bytes": unitsParseBytes,
    ...jwtBuiltins,
    "semver.is_valid": semverIsValid,
    "semver.compare": semverCompare,
    "net.cidr_is_valid": cidrIsValid,
    "net.cidr_expand": cidrExpand,
    "net.cidr_contains_matches": cidrContainsMatches,
    "net.cidr_merge": cidrMerge,
    "uri.parse": uriParse,
    "uri.is_valid": uriIsValid,
    "urlquery.encode": urlqueryEncode,
    "urlquery.decode": urlqueryDecode,
    "urlquery.encode_object": urlqueryEncodeObject,
    "urlquery.decode_object": urlqueryDecodeObject,
    "graphql.parse": graphqlParse,
    "graphql.parse_and_verify": graphqlParseAndVerify,
    "graphql.parse_query": graphqlParseQuery,
    "graphql.parse_schema": graphqlParseSchema,
    "graphql.is_valid": graphqlIsValid,
    "graphql.schema_is_valid": graphqlSchemaIsValid,
    "numbers.range_step": rangeStep,
    "uuid.parse": uuidParse,
  } as Record<string, AnyHostBuiltin>).map(([name, fn]) => [name, undefinedOnError(fn)]),
);

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
 * we claim to provide.
 */
export const sdkBuiltins: Readonly<Record<string, HostBuiltin>> = (() => {
  const require = createRequire(import.meta.url);
  const entry = require.resolve("@open-policy-agent/opa-wasm");
  const all = require(path.join(path.dirname(entry), "builtins", "index.js")) as Record<string, HostBuiltin>;
  return Object.fromEntries(Object.entries(all).filter(([name]) => !Object.hasOwn(REFUSED_BUILTINS, name)));
})();

/** Every builtin the runtime can serve when a WASM module imports it. */
export function providedBuiltinNames(): Set<string> {
  return new Set([...Object.keys(sdkBuiltins), ...Object.keys(hostBuiltins)]);
}
