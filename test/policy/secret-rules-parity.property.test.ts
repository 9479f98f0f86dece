// The secret rules must mean the same in RE2 (opa's Go evaluator: `opa test`,
// `opa eval`) and in JavaScript (the WASM runtime's host regex.replace, and the
// decision log's redactor): generated texts holding every format, glued every
// which way, plus plain random text, redacted by all three, must come out equal.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gate } from "../../src/gate/gate.ts";
import { SecretRedactor, shippedSecretRules } from "../../src/gate/secret-redactor.ts";
import { FRAMEWORK_DIR, policyData } from "../../src/policy/compile.ts";
import { PolicyEngine } from "../../src/policy/engine.ts";
import { opaBinary } from "../../src/policy/opa-binary.ts";
import { fuzzRuns, fuzzTimeout } from "../helpers/fuzz.ts";
import { embedded } from "../helpers/secret-samples.ts";
import { buildSeedBundle, repoRoot, seedTools } from "../helpers/seed-bundle.ts";

const run = promisify(execFile);
let dir: string;
let gate: Gate;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "toolgate-secret-parity-"));
  gate = new Gate(await PolicyEngine.open(await buildSeedBundle()), { tools: await seedTools() });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function inGo(texts: string[]): Promise<string[]> {
  const frameworkDir = path.join(FRAMEWORK_DIR, "toolgate");
  const files = (await readdir(frameworkDir)).filter((f) => f.endsWith(".rego") && !f.endsWith("_test.rego")).map((f) => path.join(frameworkDir, f));
  const dataFile = path.join(dir, "data.json");
  const inputFile = path.join(dir, "input.json");
  await writeFile(dataFile, JSON.stringify(policyData(undefined)));
  await writeFile(inputFile, JSON.stringify({ texts }));
  const fixture = path.join(repoRoot, "test", "fixtures", "secret-parity", "parity.rego");
  const { stdout } = await run(
    opaBinary(),
    ["eval", "--format", "json", "-i", inputFile, ...[...files, fixture, dataFile].flatMap((f) => ["-d", f]), "data.toolgate.secret_parity.results"],
    { maxBuffer: 256 * 1024 * 1024 },
  );
  return (JSON.parse(stdout) as { result: Array<{ expressions: Array<{ value: string[] }> }> }).result[0]!.expressions[0]!.value;
}

function inWasm(text: string): string {
  const { decision } = gate.evaluate({ surface: "chat", assistant_id: "a", call_id: "c", name: "post_message", arguments: JSON.stringify({ channel: "#c", text }) });
  expect(["allow", "sanitize"]).toContain(decision.effect);
  return String(decision.arguments.text);
}

describe("secret rules in RE2 and JavaScript", () => {
  it("redact generated texts identically in opa (Go), the WASM runtime and the log redactor", async () => {
    const runs = fuzzRuns();
    const texts = [
      ...fc.sample(embedded, { numRuns: Math.ceil(runs * 0.8), seed: 42 }).map((e) => e.text),
      ...fc.sample(fc.string({ unit: "binary", maxLength: 200 }), { numRuns: Math.ceil(runs * 0.2), seed: 43 }),
    ];
    const go = await inGo(texts);
    const redactor = new SecretRedactor(shippedSecretRules());
    const mismatches: string[] = [];
    let changed = 0;
    for (const [i, text] of texts.entries()) {
      const wasm = inWasm(text);
      if (wasm !== text) changed++;
      if (go[i] !== wasm || redactor.redactText(text) !== wasm) {
        mismatches.push(`${JSON.stringify(text)}: go ${JSON.stringify(go[i])} wasm ${JSON.stringify(wasm)} log ${JSON.stringify(redactor.redactText(text))}`);
      }
    }
    expect(texts.length).toBeGreaterThanOrEqual(runs);
    expect(mismatches.slice(0, 5)).toEqual([]);
    // Most generated texts hold a secret; the comparison must see both outcomes.
    expect(changed).toBeGreaterThan(texts.length / 2);
    expect(changed).toBeLessThan(texts.length);
  }, fuzzTimeout());
});
