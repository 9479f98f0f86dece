// GatePool throughput: the small-argument seed mix decided on 1 and 2 worker
// threads with 64 calls in flight (decisions/s, and latency as a caller sees it).
import path from "node:path";
import { GatePool } from "../../src/gate/gate-pool.ts";
import { root, seedCalls, seedGate } from "./gate.ts";
import { measureConcurrent, type LatencyStats } from "./stats.ts";

export const IN_FLIGHT = 64;

export async function benchPool(iterations = 40_000): Promise<Record<string, LatencyStats>> {
  const { tools } = await seedGate();
  const bundlePath = path.join(root, "build", "bench-bundle.tar.gz");
  const calls = await seedCalls();
  const out: Record<string, LatencyStats> = {};
  for (const workers of [1, 2]) {
    const pool = await GatePool.open({ bundlePath, tools, workers });
    try {
      out[`${workers} worker${workers > 1 ? "s" : ""}`] = await measureConcurrent((i) => pool.decide(calls[i % calls.length]!), iterations, IN_FLIGHT);
    } finally {
      await pool.close();
    }
  }
  return out;
}
