// Hot-reload benchmark: `node --expose-gc test/bench/reload.ts [edits] [reloads]`
// Memory runs first, so that its RSS is not inflated by the evaluation loops' garbage.
//  1. write -> first decision on the new revision (file watcher, default debounce), p50/max over N edits
//  2. evaluation throughput while reloading vs idle
//  3. RSS across M reloads (explicit reload(), alternating policies: every reload loads a new WASM
//     instance); old engines are tracked with a FinalizationRegistry to show they are released.
import { writeFile } from "node:fs/promises";
import { Gate } from "../../src/gate/gate.ts";
import { WatchedGate } from "../../src/gate/watched-gate.ts";
import type { PolicyEngine } from "../../src/policy/engine.ts";
import { PolicyWatcher } from "../../src/policy/watch.ts";
import { POLICY_A, POLICY_B, policyCopy, refundCall, shippedTools, silent, writeConfig } from "../policy/reload-helpers.ts";

const EDITS = Number(process.argv[2] ?? 24);
const RELOADS = Number(process.argv[3] ?? 200);
const gc = (globalThis as { gc?: () => void }).gc;

const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};
const ms = (x: number) => `${Math.round(x)} ms`;
const mb = (x: number) => `${(x / 1024 / 1024).toFixed(1)} MB`;
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

const tools = await shippedTools();
const call = refundCall(300);

/** Evaluates continuously (yielding every 64 evaluations) and reports each revision's first decision time. */
function evaluationLoop(gate: Gate) {
  let count = 0;
  let running = true;
  let lastRevision = gate.revision;
  const firstSeen = new Map<string, number>();
  const done = (async () => {
    while (running) {
      for (let i = 0; i < 64; i++) {
        const { decision } = gate.evaluate(call);
        count += 1;
        if (decision.revision !== lastRevision) {
          lastRevision = decision.revision;
          firstSeen.set(decision.revision, performance.now());
        }
      }
      await new Promise((r) => setImmediate(r));
    }
  })();
  return {
    get count() {
      return count;
    },
    firstSeen,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

// --- 3: memory across reloads ----------------------------------------------------------------
{
  const copy = await policyCopy();
  const gate = new Gate(undefined, { tools });
  let alive = 0;
  const registry = new FinalizationRegistry<void>(() => (alive -= 1));
  const tracked = {
    get revision() {
      return gate.revision;
    },
    use(engine: PolicyEngine) {
      alive += 1;
      registry.register(engine);
      gate.use(engine);
    },
  };
  // Explicit reloads right after each write: no settle window (memory, not latency, is measured here).
  const watcher = new PolicyWatcher(tracked, { regoDir: copy.regoDir }, { logger: silent, settleMs: 0 });
  const first = await watcher.reload();
  if (first.status !== "reloaded") throw new Error(`first build: ${first.status}`);
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      gc?.();
      await sleep(20);
    }
  };
  await settle();
  const samples: Array<{ reloads: number; rss: number; heap: number; alive: number }> = [];
  const sample = async (reloads: number) => {
    await settle();
    const m = process.memoryUsage();
    samples.push({ reloads, rss: m.rss, heap: m.heapUsed, alive });
  };
  await sample(0);
  const started = performance.now();
  for (let i = 1; i <= RELOADS; i++) {
    await writeFile(`${copy.regoDir}/toolgate.yaml`, (i % 2 === 1 ? POLICY_B : POLICY_A).config);
    const outcome = await watcher.reload();
    if (outcome.status !== "reloaded") throw new Error(`reload ${i}: ${outcome.status}`);
    gate.evaluate(call);
    if (i % 25 === 0) await sample(i);
  }
  const elapsed = performance.now() - started;
  await watcher.close();
  await copy.cleanup();
  console.log(`memory across ${RELOADS} reloads (${gc ? "after global.gc()" : "no --expose-gc: RSS includes garbage"}), ${ms(elapsed / RELOADS)} per reload:`);
  for (const s of samples) {
    console.log(`  after ${String(s.reloads).padStart(3)}: RSS ${mb(s.rss).padStart(9)}   heap ${mb(s.heap).padStart(8)}   engines alive ${s.alive}`);
  }
  const firstS = samples[1] ?? samples[0]!;
  const lastS = samples.at(-1)!;
  console.log(`  RSS drift from reload 25 to ${RELOADS}: ${mb(lastS.rss - firstS.rss)}`);
}

// --- 1 + 2: latency and throughput through the file watcher ---------------------------------
{
  const copy = await policyCopy();
  const gate = await WatchedGate.start({ tools, policy: { regoDir: copy.regoDir }, logger: silent });
  const debounceMs = 150; // the default
  const settleMs = 1000; // the default: a write is built once the files held still this long

  const idle = evaluationLoop(gate);
  const idleStart = performance.now();
  await sleep(3000);
  const idleRate = idle.count / ((performance.now() - idleStart) / 1000);
  await idle.stop();

  const loop = evaluationLoop(gate);
  const latencies: number[] = [];
  const builds: number[] = [];
  gate.on("reloaded", (e) => builds.push(e.buildMs + e.loadMs));
  const editsStart = performance.now();
  const countStart = loop.count;
  for (let i = 0; i < EDITS; i++) {
    const policy = i % 2 === 0 ? POLICY_B : POLICY_A;
    const reloaded = new Promise<string>((resolve) => gate.once("reloaded", (e) => resolve(e.to)));
    const written = performance.now();
    await writeConfig(copy.regoDir, policy.config);
    const to = await reloaded;
    // The first decision on the new revision, as the evaluation loop saw it.
    while (!loop.firstSeen.has(to)) await sleep(1);
    latencies.push(loop.firstSeen.get(to)! - written);
    loop.firstSeen.clear();
    await sleep(50);
  }
  const reloadRate = (loop.count - countStart) / ((performance.now() - editsStart) / 1000);
  await loop.stop();
  await gate.close();
  await copy.cleanup();

  console.log(`write -> first decision on the new revision, ${EDITS} edits via the file watcher (debounce ${debounceMs} ms, settle ${settleMs} ms):`);
  console.log(`  p50 ${ms(quantile(latencies, 0.5))}   p90 ${ms(quantile(latencies, 0.9))}   max ${ms(Math.max(...latencies))}`);
  console.log(`  of which opa build + WASM load: p50 ${ms(quantile(builds, 0.5))}, max ${ms(Math.max(...builds))}`);
  console.log(`evaluation throughput (one thread, same loop):`);
  console.log(`  idle ${Math.round(idleRate)}/s   while reloading ${Math.round(reloadRate)}/s (${((reloadRate / idleRate) * 100).toFixed(0)}%)`);
}
