// Evaluates the same Rego with OPA's Go evaluator (`opa eval`) and with
// toolgate's WASM runtime (opa build -t wasm with build/capabilities.json,
// instantiated as PolicyEngine does), for differential tests of builtins.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { readBundle } from "../../src/policy/bundle.ts";
import { PolicyEngine } from "../../src/policy/engine.ts";
import { opaBinary } from "../../src/policy/opa-binary.ts";
import { loadAllBuiltins } from "../../src/policy/builtins/index.ts";
import { instantiatePolicy } from "../../src/policy/wasm-instance.ts";

const capabilities = path.resolve(import.meta.dirname, "../../build/capabilities.json");

/** `package p` with one rule per expression: r0 := <expr 0>, ...; undefined rules are absent. */
export function probeModule(expressions: readonly string[]): string {
  return ["package p", "", ...expressions.map((e, i) => `r${i} := ${e}`)].join("\n") + "\n";
}

/** JSON with every number kept as the text it was written as ({ number: "1.0" }), so big integers compare exactly. */
export function parseExact(text: string): unknown {
  const reviver = (_key: string, value: unknown, context?: { source?: string }): unknown =>
    typeof value === "number" ? { number: context?.source } : value;
  return JSON.parse(text, reviver as (key: string, value: unknown) => unknown);
}

interface EvalExports {
  opa_eval(reserved: number, entrypoint: number, data: number, input: number, inputLen: number, heapPtr: number, format: number): number;
}

/**
 * The values of the rules of `package p` in OPA's Go evaluator and in the WASM
 * runtime (JSON results, numbers kept as written); an undefined rule is absent.
 */
export async function evalBoth(module: string, input?: unknown): Promise<{ go: Record<string, unknown>; wasm: Record<string, unknown> }> {
  const dir = mkdtempSync(path.join(tmpdir(), "toolgate-parity-"));
  try {
    const file = path.join(dir, "p.rego");
    writeFileSync(file, module);
    const inputJson = JSON.stringify(input ?? null);
    const inputFile = path.join(dir, "input.json");
    writeFileSync(inputFile, inputJson);
    const goArgs = ["eval", "-f", "json", "-d", file, "data.p"];
    if (input !== undefined) goArgs.push("-i", inputFile);
    const out = execFileSync(opaBinary(), goArgs, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    const go = (parseExact(out) as { result: Array<{ expressions: Array<{ value: Record<string, unknown> }> }> }).result[0]!.expressions[0]!.value;
    execFileSync(opaBinary(), ["build", "-t", "wasm", "--revision", "parity", "--capabilities", capabilities, "-e", "p", "-o", path.join(dir, "b.tar.gz"), file], {
      stdio: "pipe",
    });
    const bundle = await readBundle(path.join(dir, "b.tar.gz"));
    const policy = instantiatePolicy(new WebAssembly.Module(bundle.wasm as Uint8Array<ArrayBuffer>), 64, await loadAllBuiltins());
    const exports = (policy.wasmInstance as WebAssembly.Instance).exports as unknown as EvalExports;
    const bytes = new TextEncoder().encode(inputJson);
    const heap = policy.dataHeapPtr as number;
    new Uint8Array(policy.mem.buffer).set(bytes, heap);
    const resultAddr = input === undefined
      ? exports.opa_eval(0, (policy.entrypoints as Record<string, number>).p!, policy.dataAddr as number, 0, 0, heap, 0)
      : exports.opa_eval(0, (policy.entrypoints as Record<string, number>).p!, policy.dataAddr as number, heap, bytes.length, heap + bytes.length, 0);
    const memory = new Uint8Array(policy.mem.buffer);
    const text = new TextDecoder().decode(memory.subarray(resultAddr, memory.indexOf(0, resultAddr)));
    const rs = parseExact(text) as Array<{ result: Record<string, unknown> }>;
    return { go, wasm: rs[0]?.result ?? {} };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The gate's engine (PolicyEngine, as the gate loads it) for `package toolgate` with these rules (they define `decision`). */
export async function toolgateEngine(rules: string): Promise<PolicyEngine> {
  const dir = mkdtempSync(path.join(tmpdir(), "toolgate-engine-"));
  try {
    writeFileSync(path.join(dir, "p.rego"), `package toolgate\n\n${rules}\n`);
    execFileSync(opaBinary(), ["build", "-t", "wasm", "--revision", "test", "-e", "toolgate/decision", "--capabilities", capabilities, "-o", path.join(dir, "b.tar.gz"), path.join(dir, "p.rego")], { stdio: "pipe" });
    return await PolicyEngine.load(await readBundle(path.join(dir, "b.tar.gz")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
