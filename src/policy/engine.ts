import type { LoadedPolicy } from "@open-policy-agent/opa-wasm";
import { readBundle, type Bundle } from "./bundle.ts";
import type { PolicyConfig } from "./config.ts";
import { beginEvaluation, resolveBuiltins, type AnyHostBuiltin } from "./builtins/index.ts";
import { BundleLoadError, PolicyEvaluationError, describeThrown } from "./errors.ts";
import { importedBuiltins } from "./imported-builtins.ts";
import { CAPABILITIES_FILE } from "./package-files.ts";
import { readResultSet } from "./result-value.ts";
import { declareSecretRulesPrefilter, secretRulesProblem, type SecretRules } from "./secret-rules.ts";
import { instantiatePolicy, type BuiltinTable } from "./wasm-instance.ts";

export const DECISION_ENTRYPOINT = "toolgate/decision";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const PAGE = 64 * 1024;
/** opa_eval's result format: 0 is JSON, 1 Rego syntax (sets stay sets). */
const RESULT_AS_REGO = 1;

/** The exports of an OPA WASM module (ABI 1.2) that the evaluation fast path calls. */
interface PolicyExports {
  opa_eval(reserved: number, entrypoint: number, data: number, input: number, inputLen: number, heapPtr: number, format: number): number;
}

const WASM_PAGE = 64 * 1024;
const MAX_PAGES = 16_384;

/**
 * Instantiates the module with enough memory for its data segments. OPA's
 * module does not declare how much that is, and the SDK's default (5 pages)
 * is too small for a policy with large tables or many tests: start from the
 * module's size (its data lies inside it) and double on a segment that does
 * not fit.
 */
function loadWithMemory(module: WebAssembly.Module, wasmBytes: number, builtins: BuiltinTable): { policy: LoadedPolicy; initialPages: number } {
  let initialPages = Math.max(5, Math.ceil(wasmBytes / WASM_PAGE) + 2);
  for (;;) {
    try {
      return { policy: instantiatePolicy(module, initialPages, builtins), initialPages };
    } catch (err) {
      if (initialPages >= MAX_PAGES || !/data segment/i.test(describeThrown(err))) throw err;
      initialPages = Math.min(MAX_PAGES, initialPages * 2);
    }
  }
}

/** Encodes an input document once, as the bytes the WASM module reads. */
function encodeInput(input: unknown): ArrayBuffer {
  const json = JSON.stringify(input);
  if (json === undefined) throw new PolicyEvaluationError("input is not JSON-encodable");
  return encoder.encode(json).buffer as ArrayBuffer;
}

/**
 * One loaded policy revision. Evaluation is synchronous and a WASM instance is
 * not reentrant, so one engine serves one thread; swapping revisions means
 * loading a new engine (see watch.ts), never mutating this one.
 */
/** Compiled modules by the bundle bytes they were compiled from: a module is immutable, and dropped with its bytes. */
const compiledModules = new WeakMap<Uint8Array, WebAssembly.Module>();

export class PolicyEngine {
  readonly revision: string;
  readonly entrypoints: readonly string[];
  readonly bundle: Bundle;
  private readonly module: WebAssembly.Module;
  /** The memory the module was instantiated with (its data segments fit), reused when it is renewed. */
  private readonly initialPages: number;
  /** The implementations of the builtins the module imports, shared by every instance of it. */
  private readonly builtins: BuiltinTable;
  private policy: LoadedPolicy;
  private readonly entrypointIds: Readonly<Record<string, number>>;
  /** Set when the module speaks ABI >= 1.2 (single-call opa_eval); else evaluation goes through the SDK. */
  private exports: PolicyExports | undefined;

  private constructor(module: WebAssembly.Module, policy: LoadedPolicy, bundle: Bundle, initialPages: number, builtins: BuiltinTable) {
    this.module = module;
    this.initialPages = initialPages;
    this.builtins = builtins;
    this.policy = policy;
    this.bundle = bundle;
    this.revision = bundle.manifest.revision;
    this.entrypointIds = policy.entrypoints as Record<string, number>;
    this.entrypoints = Object.keys(this.entrypointIds);
    this.exports = abiExports(policy);
  }

  /**
   * A fresh instance of the same module and data, after an evaluation that
   * threw: an abort inside the module (e.g. its JSON parser refusing a lone
   * surrogate escape) leaves its allocator state behind, and later evaluations
   * then fail with "memory access out of bounds". If renewing fails too, the
   * old instance stays and keeps failing, which denies.
   */
  private renew(): void {
    try {
      const policy = instantiatePolicy(this.module, this.initialPages, this.builtins);
      policy.setData(this.bundle.data);
      this.policy = policy;
      this.exports = abiExports(policy);
    } catch {
      // keep the old instance: its evaluations fail, and a failed evaluation is a deny
    }
  }

  /** The declarative policy (toolgate.yaml) the bundle was built with, as bundle data. */
  get config(): PolicyConfig | undefined {
    return (this.bundle.data.toolgate as { config?: PolicyConfig } | undefined)?.config;
  }

  /** Reads a bundle file (bundle.tar.gz) and loads it. */
  static async open(file: string): Promise<PolicyEngine> {
    return PolicyEngine.load(await readBundle(file));
  }

  /**
   * Loads a bundle; refuses a module that imports a builtin the runtime does not provide.
   * Loading the same Bundle again (a gate swapping between revisions it holds) reuses its compiled module.
   */
  static async load(bundle: Bundle): Promise<PolicyEngine> {
    let policy: LoadedPolicy;
    let module: WebAssembly.Module;
    let initialPages: number;
    // Filled once the instance names the builtins it imports, before anything evaluates.
    const builtins = new Map<string, AnyHostBuiltin>();
    try {
      module = compiledModules.get(bundle.wasm) ?? (await WebAssembly.compile(bundle.wasm as Uint8Array<ArrayBuffer>));
      compiledModules.set(bundle.wasm, module);
      ({ policy, initialPages } = loadWithMemory(module, bundle.wasm.byteLength, builtins));
    } catch (err) {
      throw new BundleLoadError(`${bundle.source}: policy.wasm does not load: ${describeThrown(err)}`, { cause: err });
    }
    let resolved: Awaited<ReturnType<typeof resolveBuiltins>>;
    try {
      resolved = await resolveBuiltins(importedBuiltins(policy));
    } catch (err) {
      throw new BundleLoadError(`${bundle.source}: the builtins the policy calls do not load: ${describeThrown(err)}`, { cause: err });
    }
    for (const [name, impl] of resolved.builtins) builtins.set(name, impl);
    const missing = resolved.missing;
    if (missing.length > 0) {
      throw new BundleLoadError(
        `${bundle.source}: the policy calls builtins this runtime does not provide: ${missing.join(", ")}. ` +
          `Rebuild it with \`npx policy build\` (or compileBundle()), which checks builtins against toolgate's list (${CAPABILITIES_FILE}).`,
      );
    }
    try {
      policy.setData(bundle.data);
    } catch (err) {
      throw new BundleLoadError(`${bundle.source}: data.json does not load: ${describeThrown(err)}`, { cause: err });
    }
    const secretRules = (bundle.data.toolgate as { secret_rules?: unknown } | undefined)?.secret_rules;
    if (secretRules !== undefined && secretRulesProblem(secretRules) === undefined) declareSecretRulesPrefilter(secretRules as SecretRules);
    const engine = new PolicyEngine(module, policy, bundle, initialPages!, builtins);
    if (!engine.entrypoints.includes(DECISION_ENTRYPOINT)) {
      throw new BundleLoadError(
        `${bundle.source}: no entrypoint ${DECISION_ENTRYPOINT} (has: ${engine.entrypoints.join(", ") || "none"})`,
      );
    }
    return engine;
  }

  /**
   * Evaluates an entrypoint and returns its value, or undefined when the rule is
   * undefined. Input is always passed encoded: the SDK treats a falsy input
   * (0, "", false, null) as "no input", which an ArrayBuffer never is.
   * `undefined` evaluates with no input at all (as opa test runs tests).
   */
  evaluate(input: unknown, entrypoint: string = DECISION_ENTRYPOINT): unknown {
    if (this.exports) {
      const json = input === undefined ? undefined : input instanceof ArrayBuffer ? decoder.decode(input) : decoder.decode(encodeInput(input));
      return this.evaluateJson(json, entrypoint);
    }
    const encoded = input === undefined ? undefined : input instanceof ArrayBuffer ? input : encodeInput(input);
    let resultSet: unknown;
    try {
      beginEvaluation();
      resultSet = this.policy.evaluate(encoded, entrypoint);
    } catch (err) {
      this.renew();
      throw new PolicyEvaluationError(`evaluating ${entrypoint}: ${describeThrown(err)}`, { cause: err });
    }
    return firstResult(resultSet);
  }

  /**
   * Evaluates an entrypoint on input given as JSON text (which must be valid
   * JSON), or with no input. The same evaluation as the SDK's (ABI 1.2
   * opa_eval), minus two copies: the text is UTF-8-encoded straight into the
   * module's memory, and the result is found with a native scan for its NUL
   * terminator instead of a byte-by-byte loop, then decoded by one shared
   * TextDecoder. The result is dumped as Rego (format 1) so that sets are
   * seen, and returned as OPA's Go evaluator serializes it: sets as sorted
   * arrays (result-value.ts).
   */
  evaluateJson(json: string | undefined, entrypoint: string = DECISION_ENTRYPOINT): unknown {
    const exports = this.exports;
    const id = this.entrypointIds[entrypoint];
    if (!exports || id === undefined) return this.evaluate(json === undefined ? undefined : encoder.encode(json).buffer, entrypoint);
    const policy = this.policy;
    const memory = policy.mem;
    const heapAddr = policy.dataHeapPtr as number;
    let resultSet: unknown;
    try {
      let written = 0;
      if (json !== undefined) {
        // UTF-8 needs at most 3 bytes per UTF-16 unit; make room before encoding.
        const needed = heapAddr + json.length * 3 - memory.buffer.byteLength;
        if (needed > 0) memory.grow(Math.ceil(needed / PAGE));
        ({ written } = encoder.encodeInto(json, new Uint8Array(memory.buffer, heapAddr)));
      }
      const inputAddr = json === undefined ? 0 : heapAddr;
      beginEvaluation();
      const resultAddr = exports.opa_eval(0, id, policy.dataAddr, inputAddr, written, heapAddr + written, RESULT_AS_REGO);
      const bytes = new Uint8Array(memory.buffer);
      const end = bytes.indexOf(0, resultAddr);
      // Our strict decoder, not JSON.parse: V8's JSON.parse can misread an escaped
      // one-character key (src/json/scan-json.ts), and sanitized arguments come back here.
      resultSet = readResultSet(decoder.decode(bytes.subarray(resultAddr, end)));
    } catch (err) {
      this.renew();
      throw new PolicyEvaluationError(`evaluating ${entrypoint}: ${describeThrown(err)}`, { cause: err });
    }
    return firstResult(resultSet);
  }
}

function abiExports(policy: LoadedPolicy): PolicyExports | undefined {
  const instance = "instance" in policy.wasmInstance ? policy.wasmInstance.instance : policy.wasmInstance;
  return Number(policy.minorVersion) >= 2 ? (instance.exports as unknown as PolicyExports) : undefined;
}

function firstResult(resultSet: unknown): unknown {
  if (!Array.isArray(resultSet) || resultSet.length === 0) return undefined;
  return (resultSet[0] as { result?: unknown }).result;
}
