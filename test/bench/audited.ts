// The audited decision as the unit (issue 14): gate.decide() on the small seed
// mix with 64 calls in flight, without a recorder and with an AuditRecorder on
// durability none and group, in one run; and the append alone (AuditRecorder ->
// DecisionLog on decisions evaluated beforehand), as CPU time per record.
// CPU is the process's (all threads: the fdatasync on the thread pool too);
// on a shared machine wall time also counts waiting for a core.
// Run: make bench (or node test/bench/audited.ts).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { AuditRecorder } from "../../src/audit/audit-recorder.ts";
import { DecisionLog, type Durability } from "../../src/audit/decision-log.ts";
import { Gate } from "../../src/gate/gate.ts";
import { knownInput } from "../../src/gate/input-document.ts";
import type { RecordedDecision } from "../../src/gate/recorder.ts";
import { seedCalls, seedGate } from "./gate.ts";
import { IN_FLIGHT } from "./pool.ts";
import { measureConcurrent, type LatencyStats } from "./stats.ts";

export interface AuditedRun extends LatencyStats {
  /** Process CPU time per decision (or record), microseconds. */
  cpu_us: number;
  /** Records per write and per fdatasync, for the audited runs. */
  records_per_write?: number;
  records_per_sync?: number;
}

export interface AuditedResult {
  in_flight: number;
  /** Interleaved rounds: each mode's row is its median round; ratios are the median of per-round ratios. */
  rounds: number;
  unaudited: AuditedRun;
  none: AuditedRun;
  group: AuditedRun;
  /** Decisions/s audited over unaudited, same run. */
  none_over_unaudited: number;
  group_over_unaudited: number;
  /** recorder.record() alone, on decisions evaluated beforehand: CPU per record. */
  append: { none: AuditedRun; group: AuditedRun };
}

async function timed(op: (i: number) => Promise<unknown>, iterations: number): Promise<AuditedRun> {
  const warmup = Math.min(1000, iterations);
  const before = process.cpuUsage();
  const stats = await measureConcurrent(op, iterations, IN_FLIGHT, warmup);
  const cpu = process.cpuUsage(before);
  return { ...stats, cpu_us: Math.round(((cpu.user + cpu.system) / (iterations + warmup)) * 10) / 10 };
}

async function withLog<T>(durability: Durability, use: (log: DecisionLog) => Promise<T>): Promise<T & Pick<AuditedRun, "records_per_write" | "records_per_sync">> {
  const dir = await mkdtemp(path.join(tmpdir(), "toolgate-bench-audited-"));
  try {
    const log = await DecisionLog.open({ path: path.join(dir, "decisions.jsonl"), durability });
    const result = await use(log);
    await log.close();
    const { records, writes, syncs } = log.stats;
    const per = (n: number): number | undefined => (n > 0 ? Math.round((records / n) * 10) / 10 : undefined);
    return { ...result, records_per_write: per(writes), ...(durability === "none" ? {} : { records_per_sync: per(syncs) }) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Rounds of the three decide runs, interleaved: on a shared machine the speed moves within a run. */
const ROUNDS = 5;

const median = <T>(items: T[], key: (item: T) => number): T => [...items].sort((a, b) => key(a) - key(b))[Math.floor(items.length / 2)]!;

export async function benchAudited(iterations = 40_000): Promise<AuditedResult> {
  const { engine, tools } = await seedGate();
  const calls = await seedCalls();
  const perRound = Math.max(1, Math.round(iterations / ROUNDS));
  const decideAll = (gate: Gate) => timed((i) => gate.decide(calls[i % calls.length]!), perRound);
  const unaudited = new Gate(engine, { tools });
  // Each round runs unaudited, none and group back to back (the order rotating), so each
  // ratio compares runs made within the same few seconds; the median round is reported.
  const runs = { unaudited: [] as AuditedRun[], none: [] as AuditedRun[], group: [] as AuditedRun[] };
  const ratios = { none: [] as number[], group: [] as number[] };
  const logs = await Promise.all((["none", "group"] as const).map(async (durability) => {
    const dir = await mkdtemp(path.join(tmpdir(), "toolgate-bench-audited-"));
    const log = await DecisionLog.open({ path: path.join(dir, "decisions.jsonl"), durability });
    return { durability, dir, log, gate: new Gate(engine, { tools, recorder: new AuditRecorder(log) }) };
  }));
  try {
    const modes = ["unaudited", "none", "group"] as const;
    for (let round = 0; round < ROUNDS; round++) {
      const measured = {} as Record<(typeof modes)[number], AuditedRun>;
      for (let k = 0; k < modes.length; k++) {
        const mode = modes[(round + k) % modes.length]!;
        const gate = mode === "unaudited" ? unaudited : logs.find((l) => l.durability === mode)!.gate;
        measured[mode] = await decideAll(gate);
        runs[mode].push(measured[mode]);
      }
      ratios.none.push(measured.none.per_second / measured.unaudited.per_second);
      ratios.group.push(measured.group.per_second / measured.unaudited.per_second);
    }
  } finally {
    for (const { log, dir } of logs) {
      await log.close();
      await rm(dir, { recursive: true, force: true });
    }
  }
  const withStats = (durability: "none" | "group", run: AuditedRun): AuditedRun => {
    const { records, writes, syncs } = logs.find((l) => l.durability === durability)!.log.stats;
    const per = (n: number): number | undefined => (n > 0 ? Math.round((records / n) * 10) / 10 : undefined);
    return { ...run, records_per_write: per(writes), ...(durability === "none" ? {} : { records_per_sync: per(syncs) }) };
  };
  const baseline = median(runs.unaudited, (r) => r.per_second);
  const audited = {
    none: withStats("none", median(runs.none, (r) => r.per_second)),
    group: withStats("group", median(runs.group, (r) => r.per_second)),
  };

  const recorded: RecordedDecision[] = calls.map((call) => {
    const { decision, built } = unaudited.evaluate(call, "fresh");
    // As Gate.decide hands it over: the canonical texts of the input and its arguments, for the log to splice.
    const input = built ?? knownInput(call, decision.arguments);
    const entry: RecordedDecision = { call, decision, input: input.document };
    if (input.canonical) {
      entry.inputJson = input.json;
      entry.argumentsJson = input.argumentsJson;
    }
    return entry;
  });
  const append = {} as AuditedResult["append"];
  for (const durability of ["none", "group"] as const) {
    append[durability] = await withLog(durability, (log) => {
      const recorder = new AuditRecorder(log);
      return timed((i) => recorder.record(recorded[i % recorded.length]!), iterations);
    });
  }
  const ratio = (xs: number[]): number => Math.round(median(xs, (x) => x) * 100) / 100;
  return {
    in_flight: IN_FLIGHT,
    rounds: ROUNDS,
    unaudited: baseline,
    none: audited.none,
    group: audited.group,
    none_over_unaudited: ratio(ratios.none),
    group_over_unaudited: ratio(ratios.group),
    append,
  };
}

if (import.meta.main) {
  process.stdout.write(`${JSON.stringify(await benchAudited(Number(process.argv[2] ?? 40_000)), null, 2)}\n`);
}
