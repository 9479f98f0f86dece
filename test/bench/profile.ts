// Where the time of a small-argument decision goes: a child process runs
// gate.evaluate() over the seed calls (and, for the audited profile,
// gate.decide() with an AuditRecorder one call at a time, as the soak does)
// under `node --cpu-prof`, and the samples are summed by where the code lives
// (the policy's WASM, the decision log, the budget store, toolgate's other
// modules, ajv's compiled validators, GC, the rest).
// Run: make bench (or node test/bench/profile.ts).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { root } from "./gate.ts";

export interface ProfileResult {
  /** Sampled time inside Gate.evaluate, milliseconds. */
  samples_ms: number;
  /** Share of the sampled time by area, percent. */
  areas: Record<string, number>;
  /** The heaviest functions by self time: [name, percent]. */
  top: Array<[string, number]>;
}

const gateModule = pathToFileURL(path.join(root, "test", "bench", "gate.ts")).href;

const driver = `
const { seedCalls, seedGate } = await import(${JSON.stringify(gateModule)});
const { gate } = await seedGate();
const calls = (await seedCalls()).filter((c) => gate.evaluate(c, "fresh").input !== undefined);
for (let i = 0; i < Number(process.argv[1]); i++) gate.evaluate(calls[i % calls.length], "fresh");
`;

const auditModule = (file: string): string => JSON.stringify(pathToFileURL(path.join(root, "src", "audit", file)).href);

// The soak's shape: one call at a time through gate.decide() with an AuditRecorder (durability none).
const auditedDriver = `
const { mkdtempSync, rmSync } = await import("node:fs");
const { tmpdir } = await import("node:os");
const path = await import("node:path");
const { seedCalls, seedGate } = await import(${JSON.stringify(gateModule)});
const { AuditRecorder } = await import(${auditModule("audit-recorder.ts")});
const { DecisionLog } = await import(${auditModule("decision-log.ts")});
const { Gate } = await import(${JSON.stringify(pathToFileURL(path.join(root, "src", "gate", "gate.ts")).href)});
const { engine, tools } = await seedGate();
const calls = await seedCalls();
const logDir = mkdtempSync(path.join(tmpdir(), "toolgate-profile-log-"));
const log = await DecisionLog.open({ path: path.join(logDir, "decisions.jsonl"), durability: "none" });
const gate = new Gate(engine, { tools, recorder: new AuditRecorder(log) });
for (let i = 0; i < Number(process.argv[1]); i++) await gate.decide(calls[i % calls.length]);
await log.close();
rmSync(logDir, { recursive: true, force: true });
`;

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

function area(url: string, fn: string): string {
  if (url.startsWith("wasm://")) return "policy (WASM: input parse, rules, result dump)";
  if (url.includes("/src/audit/") || fn === "writeBuffer" || fn === "hash") return "decision log (record encoding, sha256, write)";
  if (url.includes("/src/budget/")) return "budget store (SQLite usage read, reservation)";
  if (fn === "(garbage collector)") return "garbage collection";
  if (url.includes("@open-policy-agent/opa-wasm")) return "opa-wasm SDK JS (builtin calls: argument dump, result load)";
  if (url.includes("/src/")) return "toolgate JS (parse, schema, input, result parse, pipeline)";
  if (url.includes("sprintf-js")) return "sprintf (an SDK builtin, messages)";
  if (url === "" && /^validate\d*$/.test(fn)) return "ajv compiled validators";
  if (url.startsWith("node:internal/encoding") || fn === "encodeUtf8String" || fn === "decodeUTF8") return "UTF-8 encode/decode";
  return "other (Node internals: crypto.randomUUID, timers, ...)";
}

/** Where gate.evaluate()'s time goes (samples inside Gate.evaluate). */
export function benchProfile(evaluations = 60_000): ProfileResult {
  return profileOf(driver, evaluations, (frame) => frame.functionName === "evaluate" && frame.url.endsWith("/src/gate/gate.ts"));
}

/**
 * Where an audited decision's time goes, one call at a time as in the soak:
 * samples inside Gate.decide, the decision log's write (a microtask of its
 * own) and garbage collection.
 */
export function benchAuditedProfile(decisions = 60_000): ProfileResult {
  return profileOf(auditedDriver, decisions, (frame) =>
    (frame.functionName === "decide" && frame.url.endsWith("/src/gate/gate.ts")) ||
    (frame.functionName === "#drain" && frame.url.endsWith("/src/audit/decision-log.ts")) ||
    frame.functionName === "(garbage collector)");
}

function profileOf(script: string, iterations: number, counts: (frame: { functionName: string; url: string }) => boolean): ProfileResult {
  const dir = mkdtempSync(path.join(tmpdir(), "toolgate-profile-"));
  try {
    execFileSync(process.execPath, ["--cpu-prof", `--cpu-prof-dir=${dir}`, "--input-type=module", "-e", script, String(iterations)], { cwd: root, stdio: "ignore" });
    const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
    if (!file) throw new Error("profile: node --cpu-prof wrote no profile");
    const profile = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as CpuProfile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
    // Only samples taken inside Gate.evaluate count: startup (bundle build, module loading) does not.
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const inEvaluate = new Map<number, boolean>();
    const underEvaluate = (id: number): boolean => {
      let known = inEvaluate.get(id);
      if (known === undefined) {
        const frame = byId.get(id)!;
        const up = parent.get(id);
        known = counts(frame) || (up !== undefined && underEvaluate(up));
        inEvaluate.set(id, known);
      }
      return known;
    };
    const areas = new Map<string, number>();
    const functions = new Map<string, number>();
    let total = 0;
    profile.samples.forEach((id, i) => {
      if (!underEvaluate(id)) return;
      const frame = byId.get(id)!;
      const dt = profile.timeDeltas[i] ?? 0;
      total += dt;
      const a = area(frame.url, frame.functionName);
      areas.set(a, (areas.get(a) ?? 0) + dt);
      const where = frame.url.includes("/node_modules/") ? frame.url.replace(/^.*\/node_modules\//, "") : frame.url.replace(/^.*\/src\//, "src/");
      const name = `${frame.functionName || "(anonymous)"} ${where.replace(/^wasm:\/\/.*/, "wasm")}`;
      functions.set(name, (functions.get(name) ?? 0) + dt);
    });
    const pct = (x: number): number => Math.round((1000 * x) / total) / 10;
    return {
      samples_ms: Math.round(total / 1000),
      areas: Object.fromEntries([...areas].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, pct(v)])),
      top: [...functions].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => [k, pct(v)]),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) process.stdout.write(`${JSON.stringify({ evaluate: benchProfile(), audited: benchAuditedProfile() }, null, 2)}\n`);
