// Decision-log append throughput and latency per durability mode.
// Run: node test/bench/audit-append.ts [records]   (prints a table; not a test)
//
// Two load shapes: "serial" is one caller awaiting each append (a single gate
// deciding one call at a time); "concurrent" keeps 32 appends in flight (a busy
// server), which is where group commit pays off.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DecisionLog, type Durability } from "../../src/audit/decision-log.ts";
import { sampleEntry } from "../audit/fixtures/sample-entry.ts";

const RECORDS = Number(process.argv[2] ?? 5000);
const IN_FLIGHT = 32;

interface Result {
  recordsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

async function run(durability: Durability, inFlight: number, groupCommitMs?: number): Promise<Result> {
  const dir = await mkdtemp(join(tmpdir(), "toolgate-bench-"));
  try {
    const log = await DecisionLog.open({ path: join(dir, "decisions.jsonl"), durability, groupCommitMs });
    const latencies: number[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < RECORDS) {
        const entry = sampleEntry((next += 1));
        const start = performance.now();
        await log.append(entry);
        latencies.push(performance.now() - start);
      }
    };
    const start = performance.now();
    await Promise.all(Array.from({ length: inFlight }, worker));
    const seconds = (performance.now() - start) / 1000;
    await log.close();
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] as number;
    return { recordsPerSecond: RECORDS / seconds, p50Ms: at(0.5), p99Ms: at(0.99) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const cases: [string, Durability, number, number?][] = [
  ["fsync      serial", "fsync", 1],
  ["fsync      concurrent", "fsync", IN_FLIGHT],
  ["group      serial", "group", 1],
  ["group      concurrent", "group", IN_FLIGHT],
  ["group 1ms  serial", "group", 1, 1],
  ["group 1ms  concurrent", "group", IN_FLIGHT, 1],
  ["none       serial", "none", 1],
  ["none       concurrent", "none", IN_FLIGHT],
];

console.log(`${RECORDS} records per case, ${IN_FLIGHT} in flight for "concurrent"`);
console.log("case                    records/s   p50 ms   p99 ms");
for (const [label, durability, inFlight, groupCommitMs] of cases) {
  const r = await run(durability, inFlight, groupCommitMs);
  console.log(
    `${label.padEnd(22)}${r.recordsPerSecond.toFixed(0).padStart(11)}${r.p50Ms.toFixed(3).padStart(9)}${r.p99Ms.toFixed(3).padStart(9)}`,
  );
}
