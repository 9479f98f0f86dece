// Replay throughput over a 100,000-record log, and decision-log append throughput
// with durability on (fsync vs group). Run: node test/bench/replay.ts [records] [appendRecords]
// (prints numbers; not a test). Target: replay >= 20,000 decisions/s.
//
// The log is the seed cases' gated session (real bundle from rego/, real Gate +
// AuditRecorder), its records repeated with fresh seq/decision ids and chained
// with chainRecord, so the mix of effects, pre-policy denies and sanitize
// records is the seeds' mix.
import { execFileSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { chainRecord, GENESIS_HASH, type DecisionEntry, type DecisionRecord } from "../../src/audit/decision-record.ts";
import { readLog } from "../../src/audit/read-log.ts";
import { replayLog } from "../../src/replay/replay.ts";
import { buildEngine, editedRego, runSeedSession, seedTools } from "../audit/fixtures/seed-session.ts";

const RECORDS = Number(process.argv[2] ?? 100_000);
const APPEND_RECORDS = Number(process.argv[3] ?? 3000);

console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(" ")} (the machine is shared: numbers move with it)`);
const dir = await mkdtemp(join(tmpdir(), "toolgate-bench-replay-"));
try {
  const { engine } = await buildEngine(join(import.meta.dirname, "..", "..", "rego"), dir);
  const seedLog = join(dir, "seed.jsonl");
  await runSeedSession(engine, seedLog);
  const seed: DecisionEntry[] = [];
  for await (const { seq: _s, prev_hash: _p, hash: _h, ...entry } of readLog(seedLog)) seed.push(entry as DecisionEntry);

  const log = join(dir, "decisions.jsonl");
  let started = performance.now();
  const out = createWriteStream(log);
  let prev = GENESIS_HASH;
  for (let i = 0; i < RECORDS; i++) {
    const base = seed[i % seed.length]!;
    const record: DecisionRecord = chainRecord({ ...base, decision_id: `dec_${i + 1}`, call_id: `${base.call_id}_${i + 1}` }, i + 1, prev);
    prev = record.hash;
    if (!out.write(`${JSON.stringify(record)}\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  console.log(`generated ${RECORDS} records (${seed.length} seed decisions repeated) in ${Math.round(performance.now() - started)} ms`);

  started = performance.now();
  let read = 0;
  for await (const _ of readLog(log)) read += 1;
  const readMs = performance.now() - started;
  console.log(`${"read only (readLog)".padEnd(42)}:${Math.round((read / readMs) * 1000).toString().padStart(8)} records/s`);

  const tools = await seedTools();
  const candidateDir = join(dir, "candidate");
  const rego = await editedRego(dir, (y) => y.replace("max_amount: 500", "max_amount: 1000"));
  const { engine: candidate } = await buildEngine(rego, candidateDir);
  for (const [label, policy, withTools] of [
    ["replay, same policy, policy only (warm-up)", engine, false],
    ["replay, same policy, policy only ", engine, false],
    ["replay, same policy, gate checks ", engine, true],
    ["replay, candidate,  gate checks  ", candidate, true],
  ] as const) {
    const report = await replayLog(log, { engine: policy, ...(withTools ? { tools } : {}) });
    const rate = (report.counts.records / report.duration_ms) * 1000;
    console.log(
      `${label.padEnd(42)}:${Math.round(rate).toString().padStart(8)} decisions/s  (${report.counts.records} records, ` +
        `${report.counts.evaluated} evaluated, ${report.counts.changed} changed, ${Math.round(report.duration_ms)} ms)` +
        `${rate >= 20_000 ? "" : "  BELOW TARGET 20,000/s"}`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

console.log(`\nappend throughput (test/bench/audit-append.ts ${APPEND_RECORDS}):`);
console.log(
  execFileSync(process.execPath, [join(import.meta.dirname, "audit-append.ts"), String(APPEND_RECORDS)], { encoding: "utf8" })
    .split("\n")
    .filter((l) => /^(\d+ records|case|fsync|group)/.test(l))
    .join("\n"),
);
