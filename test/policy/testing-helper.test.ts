import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConstraintResolver } from "../../src/gate/resolve-constraints.ts";
import { loadPolicyConfig } from "../../src/policy/config.ts";
import { runPolicyTests } from "../../src/testing/run.ts";
import { runCli } from "../helpers/run-cli.ts";
import { buildSeedBundle, seedRegoDir } from "../helpers/seed-bundle.ts";

describe("data.toolgate.testing (framework/toolgate/testing.rego)", () => {
  it("resolves the same constraints as the gate for every assistant and tool of the seed policy, on WASM", async () => {
    const config = await loadPolicyConfig(path.join(seedRegoDir, "toolgate.yaml"));
    const resolver = new ConstraintResolver(config);
    const assistants = [...Object.keys(config.assistants ?? {}), "asst_unknown"];
    const tools = new Set([...Object.keys(config.tools ?? {}), "no_such_tool"]);
    for (const a of Object.values(config.assistants ?? {})) for (const t of Object.keys(a.tools ?? {})) tools.add(t);
    const pairs = assistants.flatMap((a) => [...tools].map((t) => [a, t] as const));
    const rego = [
      "package toolgate.helper_parity_test",
      ...pairs.map(
        ([a, t], i) =>
          `test_pair_${i} if data.toolgate.testing.input_for(${JSON.stringify(a)}, ${JSON.stringify(t)}, {}).constraints == ${JSON.stringify(resolver.resolve(a, { type: "function", name: t }))}`,
      ),
    ].join("\n\n");
    const dir = await mkdtemp(path.join(tmpdir(), "toolgate-helper-"));
    try {
      const file = path.join(dir, "parity_test.rego");
      await writeFile(file, `${rego}\n`);
      const report = await runPolicyTests({ paths: [file], rego: seedRegoDir });
      expect(report.results.filter((r) => r.status !== "pass")).toEqual([]);
      expect(report.summary.passed).toBe(pairs.length);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("`policy eval --input` resolves constraints from toolgate.yaml like the gate; --raw-input evaluates the document as given", async () => {
    const bundle = await buildSeedBundle();
    // asst_abc123's refunds are capped at 100 in rego/toolgate.yaml; the document names no constraints.
    const doc = JSON.stringify({
      version: 1, surface: "cli", assistant_id: "asst_abc123", call_id: "c1",
      tool: { name: "refund_order", type: "function" }, arguments: { order_id: "o-1", amount: 150 }, constraints: {}, context: {},
    });
    const resolved = await runCli(["eval", "--bundle", bundle, "--input", "-", "--format", "json", "--fail-on", "deny"], { stdin: doc });
    expect(JSON.parse(resolved.stdout)).toMatchObject({ result: { effect: "deny", reasons: [{ code: "max_amount_exceeded" }] } });
    expect(resolved.code).toBe(1);
    const raw = await runCli(["eval", "--bundle", bundle, "--input", "-", "--raw-input", "--format", "json"], { stdin: doc });
    expect(JSON.parse(raw.stdout)).toMatchObject({ result: { effect: "allow" } });
    expect(raw.code).toBe(0);
  });
});
