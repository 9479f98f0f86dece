// Where the time of a small-argument decision goes: a child process runs
// gate.evaluate() over the seed calls under `node --cpu-prof`, and the samples
// are summed by where the code lives (the policy's WASM, the opa-wasm SDK's JS
// glue, toolgate's own modules, ajv's compiled validators, GC, the rest).
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

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

function area(url: string, fn: string): string {
  if (url.startsWith("wasm://")) return "policy (WASM: input parse, rules, result dump)";
  if (url.includes("@open-policy-agent/opa-wasm")) return "opa-wasm SDK JS (builtin calls: argument dump, result load)";
  if (url.includes("/src/")) return "toolgate JS (parse, schema, input, result parse, pipeline)";
  if (url.includes("sprintf-js")) return "sprintf (an SDK builtin, messages)";
  if (url === "" && /^validate\d*$/.test(fn)) return "ajv compiled validators";
  if (url.startsWith("node:internal/encoding") || fn === "encodeUtf8String" || fn === "decodeUTF8") return "UTF-8 encode/decode";
  return "other (Node internals: crypto.randomUUID, timers, ...)";
}

export function benchProfile(evaluations = 60_000): ProfileResult {
  const dir = mkdtempSync(path.join(tmpdir(), "toolgate-profile-"));
  try {
    execFileSync(process.execPath, ["--cpu-prof", `--cpu-prof-dir=${dir}`, "--input-type=module", "-e", driver, String(evaluations)], { cwd: root, stdio: "ignore" });
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
        known = (frame.functionName === "evaluate" && frame.url.endsWith("/src/gate/gate.ts")) || (up !== undefined && underEvaluate(up));
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

if (import.meta.main) process.stdout.write(`${JSON.stringify(benchProfile(), null, 2)}\n`);
