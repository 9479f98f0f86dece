import { loadPolicy, type LoadedPolicy } from "@open-policy-agent/opa-wasm";
import type { Bundle } from "./bundle.ts";
import { hostBuiltins, providedBuiltinNames } from "./builtins/index.ts";
import { BundleLoadError, PolicyEvaluationError, describeThrown } from "./errors.ts";
import { importedBuiltins } from "./imported-builtins.ts";

export const DECISION_ENTRYPOINT = "toolgate/decision";

const encoder = new TextEncoder();

/** Encodes an input document once, as the bytes the WASM module reads. */
export function encodeInput(input: unknown): ArrayBuffer {
  const json = JSON.stringify(input);
  if (json === undefined) throw new PolicyEvaluationError("input is not JSON-encodable");
  return encoder.encode(json).buffer as ArrayBuffer;
}

/**
 * One loaded policy revision. Evaluation is synchronous and a WASM instance is
 * not reentrant, so one engine serves one thread; swapping revisions means
 * loading a new engine (see watch.ts), never mutating this one.
 */
export class PolicyEngine {
  readonly revision: string;
  readonly entrypoints: readonly string[];
  readonly bundle: Bundle;
  private readonly policy: LoadedPolicy;

  private constructor(policy: LoadedPolicy, bundle: Bundle) {
    this.policy = policy;
    this.bundle = bundle;
    this.revision = bundle.manifest.revision;
    this.entrypoints = Object.keys(policy.entrypoints as Record<string, number>);
  }

  /** Loads a bundle; refuses a module that imports a builtin the runtime does not provide. */
  static async load(bundle: Bundle): Promise<PolicyEngine> {
    let policy: LoadedPolicy;
    try {
      const module = await WebAssembly.compile(bundle.wasm as Uint8Array<ArrayBuffer>);
      policy = await loadPolicy(module, { initial: 5 }, hostBuiltins);
    } catch (err) {
      throw new BundleLoadError(`${bundle.source}: policy.wasm does not load: ${describeThrown(err)}`, { cause: err });
    }
    const provided = providedBuiltinNames();
    const missing = importedBuiltins(policy).filter((name) => !provided.has(name));
    if (missing.length > 0) {
      throw new BundleLoadError(
        `${bundle.source}: the policy calls builtins this runtime does not provide: ${missing.join(", ")}. ` +
          "Rebuild with `policy build`, which checks builtins against build/capabilities.json.",
      );
    }
    try {
      policy.setData(bundle.data);
    } catch (err) {
      throw new BundleLoadError(`${bundle.source}: data.json does not load: ${describeThrown(err)}`, { cause: err });
    }
    const engine = new PolicyEngine(policy, bundle);
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
    const encoded = input === undefined ? undefined : input instanceof ArrayBuffer ? input : encodeInput(input);
    let resultSet: unknown;
    try {
      resultSet = this.policy.evaluate(encoded, entrypoint);
    } catch (err) {
      throw new PolicyEvaluationError(`evaluating ${entrypoint}: ${describeThrown(err)}`, { cause: err });
    }
    if (!Array.isArray(resultSet) || resultSet.length === 0) return undefined;
    return (resultSet[0] as { result?: unknown }).result;
  }
}
