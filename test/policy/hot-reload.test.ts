import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { WatchedGate } from "../../src/gate/watched-gate.ts";
import type { ReloadedEvent, ReloadFailedEvent } from "../../src/policy/watch.ts";
import { BAD_REGO, BAD_YAML, POLICY_A, POLICY_B, policyCopy, refundCall, shippedTools, silent } from "./reload-helpers.ts";

const REWRITES = Number(process.env.REWRITES ?? 100);

type Step = { name: string; good: false } | { name: string; good: true; effect: "allow" | "deny" };

/**
 * A gate under continuous evaluation while its policy files are rewritten
 * REWRITES times: A (refund limit 500: allow 300), broken Rego, B (limit 100:
 * deny 300), broken toolgate.yaml, A, ... Most steps go through the file
 * watcher; every other cycle also calls reload() at once, racing the watcher.
 */
describe("hot reload under continuous evaluation", () => {
  it(`rewrites the policy ${REWRITES} times: no thrown evaluation, every decision matches its revision, broken versions never serve`, async () => {
    const { regoDir, cleanup } = await policyCopy();
    const gate = await WatchedGate.start({
      tools: await shippedTools(),
      policy: { regoDir },
      logger: silent,
      debounceMs: 40,
      settleMs: 30,
    });
    const reloaded: ReloadedEvent[] = [];
    const failed: ReloadFailedEvent[] = [];
    gate.on("reloaded", (e) => reloaded.push(e));
    gate.on("reload_failed", (e) => failed.push(e));

    // The evaluation loop: real evaluations, yielding to the event loop between small batches.
    const seen = new Map<string, Map<string, number>>(); // revision -> effect -> count
    let evaluations = 0;
    let thrown = 0;
    let running = true;
    const loop = (async () => {
      const call = refundCall(300);
      while (running) {
        for (let i = 0; i < 5; i++) {
          try {
            const { decision } = gate.evaluate(call, "fresh");
            const byEffect = seen.get(decision.revision) ?? new Map<string, number>();
            const key = `${decision.effect}:${decision.reasons.map((r) => r.code).join(",")}`;
            byEffect.set(key, (byEffect.get(key) ?? 0) + 1);
            seen.set(decision.revision, byEffect);
            evaluations += 1;
          } catch {
            thrown += 1;
          }
        }
        await new Promise((r) => setTimeout(r, 1));
      }
    })();

    const yamlFile = path.join(regoDir, "toolgate.yaml");
    const brokenFile = path.join(regoDir, "broken.rego");
    const good = async (config: string) => {
      await rm(brokenFile, { force: true });
      await writeFile(yamlFile, config);
    };
    // `last` is the last file a step writes: the step is seen once the watcher reports it.
    const steps: Array<Step & { last: string; apply: () => Promise<void> }> = [
      { name: "A", good: true, effect: POLICY_A.effect, last: yamlFile, apply: () => good(POLICY_A.config) },
      { name: "broken rego", good: false, last: brokenFile, apply: () => writeFile(brokenFile, BAD_REGO) },
      { name: "B", good: true, effect: POLICY_B.effect, last: yamlFile, apply: () => good(POLICY_B.config) },
      { name: "bad yaml", good: false, last: yamlFile, apply: () => writeFile(yamlFile, BAD_YAML) },
    ];
    const expected = new Map<string, string>([[gate.revision, POLICY_A.effect]]);
    const problems: string[] = [];

    try {
      for (let i = 0; i < REWRITES; i++) {
        const step = steps[i % steps.length]!;
        const before = gate.revision;
        const failuresBefore = failed.length;
        // Wait for the watcher to see the last file the step writes, then for the builds to settle.
        const seenByWatcher = new Promise<void>((resolve) => {
          const onChange = (e: { path: string }) => {
            if (e.path === step.last) {
              gate.off("change", onChange);
              resolve();
            }
          };
          gate.on("change", onChange);
        });
        await step.apply();
        const explicit = Math.floor(i / steps.length) % 2 === 1 ? await gate.reload() : undefined;
        const t = performance.now();
        await Promise.race([seenByWatcher, new Promise((r) => setTimeout(r, 2000))]);
        const t2 = performance.now();
        await gate.watcher.settled();
        if (process.env.DEBUG) console.log(i, step.name, Math.round(t2 - t), Math.round(performance.now() - t2));

        if (step.good) {
          const known = expected.get(gate.revision);
          if (known !== undefined && known !== step.effect) problems.push(`step ${i} ${step.name}: revision ${gate.revision} maps to both ${known} and ${step.effect}`);
          expected.set(gate.revision, step.effect);
          if (gate.evaluate(refundCall(300), "fresh").decision.effect !== step.effect) problems.push(`step ${i} ${step.name}: not serving yet`);
          if (explicit && explicit.status === "failed") problems.push(`step ${i} ${step.name}: explicit reload failed`);
        } else {
          if (gate.revision !== before) problems.push(`step ${i} ${step.name}: revision changed to ${gate.revision}`);
          const newFailures = failed.slice(failuresBefore);
          if (newFailures.length === 0) problems.push(`step ${i} ${step.name}: no reload_failed event`);
          for (const f of newFailures) {
            if (f.serving !== before) problems.push(`step ${i}: reload_failed says serving ${f.serving}`);
            if (!f.diagnostics.some((d) => d.location && d.location.row > 0)) {
              problems.push(`step ${i} ${step.name}: unlocated error ${JSON.stringify(f.diagnostics)}`);
            }
          }
        }
      }
    } finally {
      running = false;
      await loop;
      await gate.close();
      await cleanup();
    }

    expect(problems).toEqual([]);
    expect(thrown).toBe(0);
    // Exactly two revisions ever served: A's and B's (same content, same revision).
    expect(expected.size).toBe(2);
    expect(new Set(reloaded.map((e) => e.to))).toEqual(new Set(expected.keys()));
    expect(reloaded.length).toBeGreaterThanOrEqual(REWRITES / 2 - 1);
    expect(failed.length).toBeGreaterThanOrEqual(REWRITES / 2);
    // Every decision was made on a good revision and matches what that revision decides.
    for (const [revision, byEffect] of seen) {
      const want = expected.get(revision);
      expect(want, `decisions on unknown revision ${revision}`).toBeDefined();
      for (const key of byEffect.keys()) {
        const effect = key.split(":")[0];
        expect(effect, `revision ${revision} decided ${key}`).toBe(want);
        expect(key).not.toMatch(/policy_error|no_policy|invalid_decision/);
      }
    }
    expect(seen.size).toBe(2);
    console.log(
      `hot reload: ${evaluations} evaluations, ${reloaded.length} reloads, ${failed.length} failed builds kept the last good; ` +
        `build p50 ${Math.round(median(reloaded.map((e) => e.buildMs)))} ms`,
    );
  }, 240_000);
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
