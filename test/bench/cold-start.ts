// Cold start for a serverless host: a fresh Node process imports the BUILT
// package (dist/, as `npm run build` makes it) and opens the seed bundle with
// Gate.open; then decides its first call. Each run is its own child process,
// so nothing is cached between runs but the OS's file cache.
// Memory per open gate: one child opens N gates on the seed bundle and reports
// the RSS and heap growth per gate.
// Run: make bench (or node test/bench/cold-start.ts).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { root, seedGate } from "./gate.ts";

export interface ColdStartResult {
  runs: number;
  /** Tool declarations the gate compiles schemas for (rego/tools.json). */
  tools: number;
  /** p50 over the runs, milliseconds. */
  import_ms: number;
  open_ms: number;
  import_plus_open_ms: number;
  first_decision_ms: number;
  /** The same as process CPU time (user + system), for a machine where wall time is noisy. */
  cpu_import_ms: number;
  cpu_open_ms: number;
  cpu_first_decision_ms: number;
  /** The same through "toolgate/gate" (dist/gate-entry.js), the Gate alone; p50 over as many runs. */
  gate_entry?: { import_ms: number; open_ms: number; import_plus_open_ms: number; cpu_import_ms: number; cpu_open_ms: number };
}

export interface GateMemoryResult {
  gates: number;
  rss_per_gate_kb: number;
  heap_per_gate_kb: number;
  external_per_gate_kb: number;
}

const bundleFile = path.join(root, "build", "bench-bundle.tar.gz");
const distEntry = pathToFileURL(path.join(root, "dist", "index.js")).href;
const gateEntry = pathToFileURL(path.join(root, "dist", "gate-entry.js")).href;

// The child: times import, open and a first decision in wall and CPU time; prints one JSON line.
const coldChild = `
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const [entry, bundle, toolsFile, callJson] = process.argv.slice(1);
const tools = JSON.parse((await import("node:fs")).readFileSync(toolsFile, "utf8"));
const w0 = performance.now(), c0 = cpu();
const { Gate } = await import(entry);
const w1 = performance.now(), c1 = cpu();
const gate = await Gate.open(bundle, { tools });
const w2 = performance.now(), c2 = cpu();
const effect = gate.evaluate(JSON.parse(callJson)).decision.effect;
const w3 = performance.now(), c3 = cpu();
process.stdout.write(JSON.stringify({ effect, import: w1 - w0, open: w2 - w1, first: w3 - w2, cpu_import: c1 - c0, cpu_open: c2 - c1, cpu_first: c3 - c2 }));
`;

// The child: opens N gates (kept alive) and reports memory growth per gate after a GC.
const memoryChild = `
const [entry, bundle, toolsFile, n] = process.argv.slice(1);
const tools = JSON.parse((await import("node:fs")).readFileSync(toolsFile, "utf8"));
const { Gate } = await import(entry);
const warm = await Gate.open(bundle, { tools });
globalThis.gc(); globalThis.gc();
const before = process.memoryUsage();
const gates = [warm];
for (let i = 0; i < Number(n); i++) gates.push(await Gate.open(bundle, { tools }));
globalThis.gc(); globalThis.gc();
const after = process.memoryUsage();
process.stdout.write(JSON.stringify({ gates: gates.length - 1, rss: after.rss - before.rss, heap: after.heapUsed - before.heapUsed, external: after.external + after.arrayBuffers - before.external - before.arrayBuffers }));
`;

function runChild(script: string, args: string[], nodeFlags: string[] = []): Record<string, number | string> {
  const out = execFileSync(process.execPath, [...nodeFlags, "--input-type=module", "-e", script, ...args], { cwd: root, encoding: "utf8" });
  return JSON.parse(out) as Record<string, number | string>;
}

const p50 = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)]! * 10) / 10;
};

/** Builds dist/ (the package as published) and the seed bundle, then times `runs` fresh processes. */
export async function benchColdStart(runs = 9): Promise<ColdStartResult> {
  execFileSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "inherit" });
  await seedGate(); // compiles build/bench-bundle.tar.gz
  const toolsFile = path.join(root, "rego", "tools.json");
  const call = JSON.stringify({ surface: "chat", assistant_id: "asst_support", call_id: "c1", name: "get_customer", arguments: '{"customer_id":"c-1"}' });
  const samples: Array<Record<string, number | string>> = [];
  const gateSamples: Array<Record<string, number | string>> = [];
  for (let i = 0; i < runs; i++) {
    samples.push(runChild(coldChild, [distEntry, bundleFile, toolsFile, call]));
    gateSamples.push(runChild(coldChild, [gateEntry, bundleFile, toolsFile, call]));
  }
  if ([...samples, ...gateSamples].some((s) => typeof s.effect !== "string")) throw new Error("cold start: the first decision has no effect");
  const col = (key: string, from = samples): number[] => from.map((s) => Number(s[key]));
  const imports = col("import");
  const opens = col("open");
  const gateImports = col("import", gateSamples);
  const gateOpens = col("open", gateSamples);
  return {
    runs,
    tools: (JSON.parse(readFileSync(toolsFile, "utf8")) as unknown[]).length,
    import_ms: p50(imports),
    open_ms: p50(opens),
    import_plus_open_ms: p50(imports.map((x, i) => x + opens[i]!)),
    first_decision_ms: p50(col("first")),
    cpu_import_ms: p50(col("cpu_import")),
    cpu_open_ms: p50(col("cpu_open")),
    cpu_first_decision_ms: p50(col("cpu_first")),
    gate_entry: {
      import_ms: p50(gateImports),
      open_ms: p50(gateOpens),
      import_plus_open_ms: p50(gateImports.map((x, i) => x + gateOpens[i]!)),
      cpu_import_ms: p50(col("cpu_import", gateSamples)),
      cpu_open_ms: p50(col("cpu_open", gateSamples)),
    },
  };
}

/** Memory per open gate on the seed bundle (dist/ and the bundle must exist: run benchColdStart first). */
export function benchGateMemory(gates = 20): GateMemoryResult {
  const toolsFile = path.join(root, "rego", "tools.json");
  const r = runChild(memoryChild, [distEntry, bundleFile, toolsFile, String(gates)], ["--expose-gc"]);
  const kb = (bytes: number): number => Math.round(bytes / Number(r.gates) / 1024);
  return { gates: Number(r.gates), rss_per_gate_kb: kb(Number(r.rss)), heap_per_gate_kb: kb(Number(r.heap)), external_per_gate_kb: kb(Number(r.external)) };
}

if (import.meta.main) {
  const cold = await benchColdStart();
  process.stdout.write(`${JSON.stringify(cold, null, 2)}\n${JSON.stringify(benchGateMemory(), null, 2)}\n`);
}
