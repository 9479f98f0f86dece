import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Gate } from "../../src/gate/gate.ts";
import { WatchedGate } from "../../src/gate/watched-gate.ts";
import { readBundle } from "../../src/policy/bundle.ts";
import { compileBundle } from "../../src/policy/compile.ts";
import { PolicyEngine } from "../../src/policy/engine.ts";
import { sameStamps, settleInputs, stampInputs } from "../../src/policy/input-stamps.ts";
import type { ReloadedEvent } from "../../src/policy/watch.ts";
import { configWithRefundMax, policyCopy, refundCall, shippedTools, silent, writeConfig } from "./reload-helpers.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The new revision raises the default refund limit to 600; asst_abc123 keeps its override of 100.
const FULL = configWithRefundMax(600);
// Cut before `assistants:`: still valid YAML, and without the override asst_abc123 may refund 300.
const FIRST_HALF = FULL.slice(0, FULL.indexOf("\nassistants:") + 1);
const SECOND_HALF = FULL.slice(FIRST_HALF.length);
const call = refundCall(300, "asst_abc123");

describe("half-written saves", () => {
  it("the first half is a policy of its own that would allow more (the test means something)", async () => {
    const copy = await policyCopy();
    cleanups.push(copy.cleanup);
    await writeConfig(copy.regoDir, FIRST_HALF);
    const built = await compileBundle({ regoDir: copy.regoDir, out: path.join(copy.dir, "half.tar.gz") });
    const gate = new Gate(await PolicyEngine.open(built.path), { tools: await shippedTools() });
    expect(gate.evaluate(call, "fresh").decision.effect).toBe("allow");
  });

  it("a toolgate.yaml written in two halves with a pause is never decided on half-way", async () => {
    const copy = await policyCopy();
    cleanups.push(copy.cleanup);
    const gate = await WatchedGate.start({
      tools: await shippedTools(),
      policy: { regoDir: copy.regoDir },
      logger: silent,
      debounceMs: 50,
      settleMs: 600,
    });
    cleanups.push(() => gate.close());
    const old = gate.revision;
    expect(gate.evaluate(call, "fresh").decision.effect).toBe("deny");
    const reloads: ReloadedEvent[] = [];
    gate.on("reloaded", (e) => reloads.push(e));

    const decisions: Array<{ revision: string; effect: string }> = [];
    let running = true;
    const loop = (async () => {
      while (running) {
        const { decision } = gate.evaluate(call, "fresh");
        decisions.push({ revision: decision.revision, effect: decision.effect });
        await sleep(2);
      }
    })();

    const file = path.join(copy.regoDir, "toolgate.yaml");
    await writeFile(file, FIRST_HALF);
    // Longer than the debounce (a build is started), shorter than the settle window.
    await sleep(250);
    await writeFile(file, FULL.slice(0, FIRST_HALF.length) + SECOND_HALF);
    while (reloads.length === 0) await sleep(20);
    await gate.watcher.settled();
    await sleep(100);
    running = false;
    await loop;

    const expected = await compileBundle({ regoDir: copy.regoDir, out: path.join(copy.dir, "full.tar.gz") });
    expect(gate.revision).toBe(expected.revision);
    expect(reloads.map((e) => e.to)).toEqual([expected.revision]);
    expect(new Set(decisions.map((d) => d.revision))).toEqual(new Set([old, expected.revision]));
    expect(decisions.filter((d) => d.effect !== "deny")).toEqual([]);
    expect(gate.evaluate(refundCall(550), "fresh").decision.effect).toBe("allow"); // the new default limit serves
  });

  it("settleInputs waits for a writer that pauses for less than the window", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "toolgate-settle-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, "toolgate.yaml");
    await writeFile(file, FIRST_HALF);
    const settling = settleInputs([dir], [], 400);
    await sleep(150);
    await writeFile(file, FULL);
    const settled = await settling;
    expect(sameStamps(settled, await stampInputs([dir]))).toBe(true);
    expect(settled.files.get(file)).not.toBe("missing");
  });

  it("compileBundle redoes a build whose inputs changed under it: the bundle holds the final content", async () => {
    const copy = await policyCopy();
    cleanups.push(copy.cleanup);
    const out = path.join(copy.dir, "raced.tar.gz");
    const building = compileBundle({ regoDir: copy.regoDir, out });
    await sleep(100); // opa build takes longer: the write lands mid-build
    await writeConfig(copy.regoDir, FULL);
    const built = await building;
    const fresh = await compileBundle({ regoDir: copy.regoDir, out: path.join(copy.dir, "fresh.tar.gz") });
    expect(built.revision).toBe(fresh.revision);
    const data = (await readBundle(out)).data as { toolgate: { config: { tools: { refund_order: unknown } } } };
    expect(data.toolgate.config.tools.refund_order).toEqual({
      effect: "allow",
      constraints: { max_amount: 600 },
      budgets: [{ name: "daily_refunds", sum: "amount", limit: 2000, window: "1d", per: ["assistant"] }],
    });
    expect(await readFile(path.join(copy.regoDir, "toolgate.yaml"), "utf8")).toBe(FULL);
  });
});
