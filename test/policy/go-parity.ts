// Evaluates the same Rego with OPA's Go evaluator (`opa eval`) and with
// toolgate's WASM runtime (opa build -t wasm with build/capabilities.json,
// instantiated as PolicyEngine does), for differential tests of builtins.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { readBundle } from "../../src/policy/bundle.ts";
import { opaBinary } from "../../src/policy/opa-binary.ts";
import { instantiatePolicy } from "../../src/policy/wasm-instance.ts";

const capabilities = path.resolve(import.meta.dirname, "../../build/capabilities.json");

/** `package p` with one rule per expression: r0 := <expr 0>, ...; undefined rules are absent. */
export function probeModule(expressions: readonly string[]): string {
  return ["package p", "", ...expressions.map((e, i) => `r${i} := ${e}`)].join("\n") + "\n";
}

export async function evalBoth(module: string, input?: unknown): Promise<{ go: unknown; wasm: unknown }> {
  const dir = mkdtempSync(path.join(tmpdir(), "toolgate-parity-"));
  try {
    const file = path.join(dir, "p.rego");
    writeFileSync(file, module);
    const inputFile = path.join(dir, "input.json");
    writeFileSync(inputFile, JSON.stringify(input ?? null));
    const goArgs = ["eval", "-f", "json", "-d", file, "data.p"];
    if (input !== undefined) goArgs.push("-i", inputFile);
    const out = JSON.parse(execFileSync(opaBinary(), goArgs, { encoding: "utf8" })) as {
      result: Array<{ expressions: Array<{ value: unknown }> }>;
    };
    const go = out.result[0]!.expressions[0]!.value;
    execFileSync(opaBinary(), ["build", "-t", "wasm", "--revision", "parity", "--capabilities", capabilities, "-e", "p", "-o", path.join(dir, "b.tar.gz"), file], {
      stdio: "pipe",
    });
    const bundle = await readBundle(path.join(dir, "b.tar.gz"));
    const policy = instantiatePolicy(new WebAssembly.Module(bundle.wasm as Uint8Array<ArrayBuffer>), 64);
    const encoded = input === undefined ? undefined : (new TextEncoder().encode(JSON.stringify(input)).buffer as ArrayBuffer);
    const rs = policy.evaluate(encoded, "p") as Array<{ result: unknown }>;
    return { go, wasm: rs[0]?.result };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

