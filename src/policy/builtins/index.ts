import { createRequire } from "node:module";
import path from "node:path";
import { regexReplace } from "./regex.ts";
import { replace } from "./strings.ts";
import { nowNs, parseNs, parseRfc3339Ns } from "./time.ts";

export type HostBuiltin = (...args: unknown[]) => unknown;

/**
 * As in OPA's Go evaluator (without strict builtin errors), a builtin that
 * fails makes its expression undefined rather than aborting the evaluation:
 * the SDK encodes an undefined result as "no value". This keeps `opa test`
 * and the WASM runtime deciding the same way.
 */
function undefinedOnError(fn: HostBuiltin): HostBuiltin {
  return (...args) => {
    try {
      return fn(...args);
    } catch {
      return undefined;
    }
  };
}

/** Builtins toolgate implements for policies, by Rego name; one file per namespace. */
export const hostBuiltins: Readonly<Record<string, HostBuiltin>> = Object.fromEntries(
  Object.entries({
    "time.parse_ns": parseNs,
    "time.parse_rfc3339_ns": parseRfc3339Ns,
    "time.now_ns": nowNs,
    "regex.replace": regexReplace,
    replace: replace,
  } as Record<string, HostBuiltin>).map(([name, fn]) => [name, undefinedOnError(fn)]),
);

/**
 * Names of the builtins the opa-wasm SDK implements in JS. Read from the SDK
 * itself (its package exports hide the folder, so it is resolved by path) so
 * that an SDK upgrade cannot silently change what we claim to provide.
 */
export function sdkBuiltinNames(): string[] {
  const require = createRequire(import.meta.url);
  const entry = require.resolve("@open-policy-agent/opa-wasm");
  const builtins = require(path.join(path.dirname(entry), "builtins", "index.js")) as Record<string, unknown>;
  return Object.keys(builtins);
}

/** Every builtin the runtime can serve when a WASM module imports it. */
export function providedBuiltinNames(): Set<string> {
  return new Set([...sdkBuiltinNames(), ...Object.keys(hostBuiltins)]);
}
