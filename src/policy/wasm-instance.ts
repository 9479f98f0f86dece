import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { compileFunction } from "node:vm";
import type { LoadedPolicy } from "@open-policy-agent/opa-wasm";
import { isRegoTextBuiltin, type HostBuiltin, type RegoTextBuiltin } from "./builtins/index.ts";
import { RegoTextResult } from "./builtins/rego-result.ts";

type LoadedPolicyClass = new (instance: WebAssembly.Instance, memory: WebAssembly.Memory, minorVersion: number) => LoadedPolicy;

/** What toolgate's copy of the SDK's opa.js gets for its JS builtins table: nothing (see sdkLoadedPolicy). */
const NO_SDK_BUILTINS = Object.freeze({});

/**
 * The SDK's LoadedPolicy class, evaluated from the SDK's own src/opa.js on the
 * first instantiation. The SDK's ES module entry re-exports only loadPolicy,
 * and requiring its CommonJS entry also loads its JS builtins table and with
 * it the `yaml` and `sprintf-js` packages (~12 ms CPU of a cold start). Only
 * the SDK's loader (loadPolicy, which toolgate does not call) reads that table:
 * toolgate instantiates modules itself with its own dispatch (below), and the
 * SDK's builtins a policy needs come from builtins/index.ts (sdkBuiltins). So
 * opa.js runs unchanged, with that one require answered by an empty table.
 */
let loadedPolicyClass: LoadedPolicyClass | undefined;
function sdkLoadedPolicy(): LoadedPolicyClass {
  if (loadedPolicyClass) return loadedPolicyClass;
  // Resolved as an import (the loader that read toolgate's modules is warm), beside the SDK's entry.
  const file = path.join(path.dirname(fileURLToPath(import.meta.resolve("@open-policy-agent/opa-wasm"))), "opa.js");
  const sdkRequire = createRequire(file);
  const module = { exports: {} as { LoadedPolicy?: LoadedPolicyClass } };
  const body = compileFunction(readFileSync(file, "utf8"), ["exports", "require", "module", "__filename", "__dirname"], { filename: file });
  body(module.exports, (id: string) => (id === "./builtins/index" ? NO_SDK_BUILTINS : sdkRequire(id)), module, file, path.dirname(file));
  if (typeof module.exports.LoadedPolicy !== "function") throw new Error(`${file} does not define LoadedPolicy: an @open-policy-agent/opa-wasm toolgate does not know`);
  return (loadedPolicyClass = module.exports.LoadedPolicy);
}

/** The builtins a module may call, by Rego name; looked up at each call. */
export type BuiltinTable = ReadonlyMap<string, HostBuiltin | RegoTextBuiltin>;

interface ModuleExports {
  builtins(): number;
  opa_json_dump(addr: number): number;
  opa_value_dump(addr: number): number;
  opa_malloc(size: number): number;
  opa_json_parse(addr: number, len: number): number;
  opa_value_parse(addr: number, len: number): number;
  opa_wasm_abi_version?: WebAssembly.Global;
  opa_wasm_abi_minor_version?: WebAssembly.Global;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function readCString(memory: WebAssembly.Memory, addr: number): string {
  const bytes = new Uint8Array(memory.buffer);
  return decoder.decode(bytes.subarray(addr, bytes.indexOf(0, addr)));
}


/**
 * Instantiates an OPA WASM module with toolgate's builtins and wraps it in the
 * SDK's LoadedPolicy. Unlike the SDK's loader, toolgate's host builtins take
 * precedence over the SDK's JS ones (those that differ from OPA's Go builtins
 * are replaced), and a builtin can ask for its operands as Rego text: the
 * SDK hands every builtin JSON.parse'd operands, which loses a number's digits
 * and whether an array was a set, and Go's sprintf formats by both.
 * A builtin missing from `builtins` when the module calls it fails the evaluation.
 */
export function instantiatePolicy(module: WebAssembly.Module, initialPages: number, builtins: BuiltinTable): LoadedPolicy {
  const memory = new WebAssembly.Memory({ initial: initialPages });
  let exports: ModuleExports | undefined;
  let namesById: Record<number, string> = {};
  const call = (id: number, addrs: number[]): number => {
    const name = namesById[id]!;
    const impl = builtins.get(name);
    if (!impl || !exports) throw new Error(`not implemented: built-in function ${name}`);
    const ex = exports;
    const result = isRegoTextBuiltin(impl)
      ? impl(...addrs.map((addr) => readCString(memory, ex.opa_value_dump(addr))))
      : impl(...addrs.map((addr) => JSON.parse(readCString(memory, ex.opa_json_dump(addr))) as unknown));
    if (result === undefined) return 0;
    const asRegoText = result instanceof RegoTextResult;
    const bytes = result instanceof ArrayBuffer ? new Uint8Array(result)
      : encoder.encode(asRegoText ? result.text : JSON.stringify(result));
    const addr = ex.opa_malloc(bytes.byteLength);
    new Uint8Array(memory.buffer).set(bytes, addr);
    const parsed = asRegoText ? ex.opa_value_parse(addr, bytes.byteLength) : ex.opa_json_parse(addr, bytes.byteLength);
    if (parsed === 0) throw new Error(`builtin ${name} returned a value the module cannot parse`);
    return parsed;
  };
  const imports = {
    env: {
      memory,
      opa_abort: (addr: number) => {
        throw new Error(readCString(memory, addr));
      },
      opa_println: (addr: number) => {
        process.stderr.write(`${readCString(memory, addr)}\n`);
      },
      opa_builtin0: (id: number) => call(id, []),
      opa_builtin1: (id: number, _ctx: number, a: number) => call(id, [a]),
      opa_builtin2: (id: number, _ctx: number, a: number, b: number) => call(id, [a, b]),
      opa_builtin3: (id: number, _ctx: number, a: number, b: number, c: number) => call(id, [a, b, c]),
      opa_builtin4: (id: number, _ctx: number, a: number, b: number, c: number, d: number) => call(id, [a, b, c, d]),
    },
  };
  const instance = new WebAssembly.Instance(module, imports);
  exports = instance.exports as unknown as ModuleExports;
  const major = exports.opa_wasm_abi_version?.value as number | undefined;
  if (major !== undefined && major !== 1) throw new Error(`unsupported OPA WASM ABI version ${major}`);
  const minor = (exports.opa_wasm_abi_minor_version?.value as number | undefined) ?? 0;
  const ids = JSON.parse(readCString(memory, exports.opa_json_dump(exports.builtins()))) as Record<string, number>;
  namesById = Object.fromEntries(Object.entries(ids).map(([name, id]) => [id, name]));
  return new (sdkLoadedPolicy())(instance, memory, minor);
}
