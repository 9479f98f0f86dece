import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { compileFunction } from "node:vm";
import type { LoadedPolicy } from "@open-policy-agent/opa-wasm";
import { isRegoTextBuiltin, isRegoValueBuiltin, type AnyHostBuiltin } from "./builtins/index.ts";
import { RegoTextResult } from "./builtins/rego-result.ts";
import { parseRegoText, type RegoValue } from "./builtins/rego-text.ts";

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
export type BuiltinTable = ReadonlyMap<string, AnyHostBuiltin>;

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

/** opa_value type tags (wasm/src/value.h): an interned string has a string's layout. */
const OPA_STRING = 4;
const OPA_ARRAY = 5;
const OPA_STRING_INTERNED = 8;
/** opa_string_t in wasm32: {u8 type; u8 free; u32 len @4; u32 v @8}. */
const STRING_STRUCT_BYTES = 12;
/** opa_array_t in wasm32: {u8 type; u32 elems @4; u32 len @8; u32 cap @12}; an element is {u32 i; u32 v}. */
const ARRAY_ELEMS = 4;
const ARRAY_LEN = 8;
const ARRAY_ELEM_BYTES = 8;

/**
 * Strings cross the host boundary without JSON: a string operand is read from
 * its opa_string_t (length and bytes) instead of being dumped as JSON text and
 * parsed, and a string result is written as one (bytes and struct) instead of
 * being encoded as JSON and parsed by the module; a result equal to a string
 * operand is that operand's value. For a 64 KiB text this saves four whole
 * passes over it. The layout is checked once per instance against the
 * module's own JSON reader and writer; if it differs, every value goes the
 * JSON way.
 */
class StringBridge {
  readonly #memory: WebAssembly.Memory;
  readonly #exports: ModuleExports;
  /** Where the evaluation heap starts: below it lie the module's constants and the loaded data, which no evaluation writes. */
  readonly #heapBase: () => number;
  #usable: boolean | undefined;
  /** Strings read from below the heap base, by address (patterns and tables in data are read on every call). */
  readonly #constants = new Map<number, string>();
  #constantsBelow = 0;

  constructor(memory: WebAssembly.Memory, exports: ModuleExports, heapBase: () => number) {
    this.#memory = memory;
    this.#exports = exports;
    this.#heapBase = heapBase;
  }

  /** Whether the value at addr can be read and written as an opa_string_t. */
  get usable(): boolean {
    this.#usable ??= this.#probe();
    return this.#usable;
  }

  /** Views of the memory, renewed when it grows (growing detaches the old buffer: its views become empty). */
  #views(): { bytes: Uint8Array; data: DataView } {
    if (this.#viewed === undefined || this.#viewed.bytes.length === 0) {
      const buffer = this.#memory.buffer;
      this.#viewed = { bytes: new Uint8Array(buffer), data: new DataView(buffer) };
    }
    return this.#viewed;
  }

  #viewed: { bytes: Uint8Array; data: DataView } | undefined;

  isString(addr: number): boolean {
    const type = this.#views().bytes[addr];
    return type === OPA_STRING || type === OPA_STRING_INTERNED;
  }

  isArray(addr: number): boolean {
    return this.#views().bytes[addr] === OPA_ARRAY;
  }

  /** The value addresses of an array's elements, in order. */
  elements(addr: number): number[] {
    const view = this.#views().data;
    const elems = view.getUint32(addr + ARRAY_ELEMS, true);
    const len = view.getUint32(addr + ARRAY_LEN, true);
    const out = new Array<number>(len);
    for (let i = 0; i < len; i++) out[i] = view.getUint32(elems + i * ARRAY_ELEM_BYTES + 4, true);
    return out;
  }

  read(addr: number): string {
    const base = this.#heapBase();
    if (base !== this.#constantsBelow) {
      this.#constants.clear();
      this.#constantsBelow = base;
    }
    const known = this.#constants.get(addr);
    if (known !== undefined) return known;
    const { bytes, data: view } = this.#views();
    const len = view.getUint32(addr + 4, true);
    const at = view.getUint32(addr + 8, true);
    const text = decoder.decode(bytes.subarray(at, at + len));
    if (addr + STRING_STRUCT_BYTES <= base && at + len <= base) {
      if (this.#constants.size >= 4096) this.#constants.clear();
      this.#constants.set(addr, text);
    }
    return text;
  }

  /** A new string value; undefined for text UTF-8 cannot carry (a lone surrogate), which goes the JSON way. */
  write(text: string): number | undefined {
    if (!text.isWellFormed()) return undefined;
    const len = Buffer.byteLength(text, "utf8");
    // One block: the struct, then the bytes it points at (freeing the value frees both).
    const struct = this.#exports.opa_malloc(STRING_STRUCT_BYTES + len);
    const at = struct + STRING_STRUCT_BYTES;
    // opa_malloc may grow the memory: views are taken after it.
    const { bytes, data: view } = this.#views();
    const written = encoder.encodeInto(text, bytes.subarray(at, at + len)).written;
    if (written !== len) throw new Error("string bridge: UTF-8 length mismatch");
    view.setUint8(struct, OPA_STRING);
    view.setUint8(struct + 1, 0); // v points into the struct's own block: not freed on its own
    view.setUint32(struct + 4, len, true);
    view.setUint32(struct + 8, at, true);
    return struct;
  }

  #probe(): boolean {
    // JSON text of a string with a multi-byte character, a NUL, an escape and a quote.
    const sample = String.raw`"é\u0000x\n\""`;
    const expected = JSON.parse(sample) as string;
    try {
      const json = encoder.encode(sample);
      const raw = this.#exports.opa_malloc(json.byteLength);
      new Uint8Array(this.#memory.buffer).set(json, raw);
      const parsed = this.#exports.opa_json_parse(raw, json.byteLength);
      if (parsed === 0 || !this.isString(parsed) || this.read(parsed) !== expected) return false;
      const arrayJson = encoder.encode(`[${sample}, 1, "b"]`);
      const rawArray = this.#exports.opa_malloc(arrayJson.byteLength);
      new Uint8Array(this.#memory.buffer).set(arrayJson, rawArray);
      const array = this.#exports.opa_json_parse(rawArray, arrayJson.byteLength);
      if (array === 0 || !this.isArray(array)) return false;
      const items = this.elements(array);
      if (items.length !== 3 || this.read(items[0]!) !== expected || this.isString(items[1]!) || this.read(items[2]!) !== "b") return false;
      const built = this.write(expected);
      if (built === undefined) return false;
      return JSON.parse(readCString(this.#memory, this.#exports.opa_json_dump(built))) === expected;
    } catch {
      return false;
    }
  }
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
  let strings: StringBridge | undefined;
  // Each builtin id's name and implementation, looked up on its first call.
  const implById = new Map<number, AnyHostBuiltin | undefined>();
  const call = (id: number, addrs: number[]): number => {
    const name = namesById[id]!;
    let impl = implById.get(id);
    if (impl === undefined) implById.set(id, (impl = builtins.get(name)));
    if (!impl || !exports || !strings) throw new Error(`not implemented: built-in function ${name}`);
    const ex = exports;
    const bridge = strings.usable ? strings : undefined;
    let operands: unknown[];
    let direct: boolean[] | undefined;
    if (isRegoTextBuiltin(impl)) {
      operands = addrs.map((addr) => readCString(memory, ex.opa_value_dump(addr)));
    } else if (isRegoValueBuiltin(impl)) {
      const value = (addr: number): RegoValue => {
        if (bridge?.isString(addr)) return { kind: "string", value: bridge.read(addr) };
        if (bridge?.isArray(addr)) return { kind: "array", items: bridge.elements(addr).map(value) };
        return parseRegoText(readCString(memory, ex.opa_value_dump(addr)));
      };
      operands = addrs.map(value);
    } else {
      direct = addrs.map((addr) => bridge !== undefined && bridge.isString(addr));
      operands = addrs.map((addr, i) => (direct![i] ? bridge!.read(addr) : (JSON.parse(readCString(memory, ex.opa_json_dump(addr))) as unknown)));
    }
    const result = (impl as (...a: unknown[]) => unknown)(...operands);
    if (result === undefined) return 0;
    if (typeof result === "string" && bridge !== undefined) {
      // A result that is one of the string operands (nothing replaced) is that operand's value: values are immutable.
      const same = direct?.findIndex((d, i) => d && operands[i] === result) ?? -1;
      if (same >= 0) return addrs[same]!;
      const written = bridge.write(result);
      if (written !== undefined) return written;
    }
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
  let loaded: LoadedPolicy | undefined;
  // Until the policy is made (and its data set), nothing counts as constant.
  strings = new StringBridge(memory, exports, () => (loaded?.dataHeapPtr as number | undefined) ?? 0);
  const major = exports.opa_wasm_abi_version?.value as number | undefined;
  if (major !== undefined && major !== 1) throw new Error(`unsupported OPA WASM ABI version ${major}`);
  const minor = (exports.opa_wasm_abi_minor_version?.value as number | undefined) ?? 0;
  const ids = JSON.parse(readCString(memory, exports.opa_json_dump(exports.builtins()))) as Record<string, number>;
  namesById = Object.fromEntries(Object.entries(ids).map(([name, id]) => [id, name]));
  loaded = new (sdkLoadedPolicy())(instance, memory, minor);
  return loaded;
}
