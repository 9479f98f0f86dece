import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/canonical-json.ts";
import { Gate } from "../../src/gate/gate.ts";
import { GatePool } from "../../src/gate/gate-pool.ts";
import type { ToolCall, ToolDeclaration } from "../../src/gate/tool-call.ts";
import { decisionProblem } from "../../src/gate/validate-decision.ts";
import { readBundle } from "../../src/policy/bundle.ts";
import { PolicyEngine } from "../../src/policy/engine.ts";
import { buildSeedBundle, seedCases, seedTools } from "../helpers/seed-bundle.ts";

let bundlePath: string;
let tools: ToolDeclaration[];
let calls: ToolCall[];
let gate: Gate;

beforeAll(async () => {
  bundlePath = await buildSeedBundle();
  tools = await seedTools();
  gate = new Gate(await PolicyEngine.load(await readBundle(bundlePath)), { tools });
  calls = (await seedCases()).map((c) => ({
    surface: "chat", assistant_id: c.assistant_id, call_id: c.id, name: c.tool, arguments: c.arguments,
  }));
});

describe("GatePool", () => {
  let pool: GatePool;
  afterAll(async () => pool?.close());

  it("decides like the in-process gate, on 2 workers, and records on the calling thread", async () => {
    const recorded: string[] = [];
    const texts: Array<{ inputJson: string | undefined; canonical: string }> = [];
    pool = await GatePool.open({
      bundlePath, tools, workers: 2,
      recorder: {
        record: async (e) => {
          recorded.push(`${e.call.call_id}:${e.decision.effect}:${e.input ? "input" : "-"}`);
          if (!e.secretsRedacted && e.input.constraints !== undefined && Object.keys(e.input.constraints).length > 0) texts.push({ inputJson: e.inputJson, canonical: canonicalJson(e.input) });
        },
      },
    });
    expect(pool.size).toBe(2);
    expect(pool.revision).toBe(gate.revision);
    const decisions = await Promise.all(calls.map((c) => pool.decide(c)));
    for (const [i, d] of decisions.entries()) {
      // Each seed call once: its budgets (refunds, blasts) are fresh in the pool's store too.
      const expected = gate.evaluate(calls[i]!, "fresh").decision;
      expect({ effect: d.effect, reasons: d.reasons, arguments: d.arguments }).toEqual({
        effect: expected.effect, reasons: expected.reasons, arguments: expected.arguments,
      });
      const { decision_id: _id, revision: _rev, duration_us: _us, ...policyPart } = d;
      expect(decisionProblem(policyPart)).toBeUndefined();
    }
    expect(recorded).toHaveLength(calls.length);
    expect(recorded).toContain("get-customer:allow:input");
    // Calls the policy saw arrive with the worker's canonical text of their input, for the log to splice as it is.
    expect(texts.length).toBeGreaterThan(10);
    for (const { inputJson, canonical } of texts) expect(inputJson).toBe(canonical);
  });

  it("denies calls in flight on a worker that dies, replaces it, and denies everything once closed", async () => {
    const slots = (pool as unknown as { slots: Array<{ worker: { terminate(): Promise<number> } }> }).slots;
    const inFlight = Array.from({ length: 50 }, (_, i) => pool.decide(calls[i % calls.length]!));
    await slots[0]!.worker.terminate();
    const decisions = await Promise.all(inFlight);
    for (const d of decisions) expect(["allow", "deny", "sanitize", "require_approval"]).toContain(d.effect);
    expect(decisions.some((d) => d.reasons.some((r) => r.code === "policy_error"))).toBe(true);
    await expect.poll(() => pool.size, { timeout: 20_000 }).toBe(2);
    expect((await pool.decide(calls[0]!)).effect).toBe("allow");
    await pool.close();
    const after = await pool.decide(calls[0]!);
    expect(after.effect).toBe("deny");
    expect(after.reasons[0]!.code).toBe("policy_error");
  });

  it("reloads a bundle into every worker", async () => {
    const p = await GatePool.open({ bundlePath, tools, workers: 1 });
    try {
      await p.reload(bundlePath);
      expect((await p.decide(calls[0]!)).effect).toBe("allow");
      await expect(p.reload("/nonexistent/bundle.tar.gz")).rejects.toThrow();
      expect((await p.decide(calls[0]!)).effect).toBe("allow");
    } finally {
      await p.close();
    }
  });
});
