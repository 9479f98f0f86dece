// The worst-case call under the argument size limit (256 KiB): a list of
// ~24,000 short strings in an argument a list constraint checks (issue 10: one
// such call once took 91 s). Measured with the default max_elements (the list
// is denied whole, unread) and with the cap raised above 24,000 (every element
// checked), and at growing list lengths with the cap raised, so the per-element
// cost shows whether the constraints are linear.
// Run: make bench (or node test/bench/worst-case.ts).
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Gate } from "../../src/gate/gate.ts";
import type { ToolCall, ToolDeclaration } from "../../src/gate/tool-call.ts";
import { readBundle } from "../../src/policy/bundle.ts";
import { compileBundle } from "../../src/policy/compile.ts";
import { PolicyEngine } from "../../src/policy/engine.ts";
import { summarize, type LatencyStats } from "./stats.ts";

export const WORST_CASE_ELEMENTS = 24_000;
/** URLs are longer: as many short ones as fit under the limit. */
export const WORST_CASE_URLS = 15_000;
const UNCAPPED = 100_000;

/** Wall-clock latency, plus the CPU time of the process per call (on a shared machine, wall time includes waiting for a core). */
export type WorstCaseStats = LatencyStats & { cpu_p50_us: number; cpu_p99_us: number };

function measureWithCpu(op: () => void, iterations: number, warmup = 3): WorstCaseStats {
  for (let i = 0; i < warmup; i++) op();
  const wall = new Float64Array(iterations);
  const cpu = new Float64Array(iterations);
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    op();
    wall[i] = Number(process.hrtime.bigint() - t0);
    const c = process.cpuUsage(c0);
    cpu[i] = (c.user + c.system) * 1000;
  }
  const cpuStats = summarize(cpu, 1);
  return { ...summarize(wall, Number(process.hrtime.bigint() - start)), cpu_p50_us: cpuStats.p50_us, cpu_p99_us: cpuStats.p99_us };
}

export interface WorstCaseResult {
  elements: number;
  urls: number;
  argument_bytes: number;
  /** Effect and reason codes of each measured call, so a reader sees what was decided. */
  outcomes: Record<string, string>;
  default_cap: Record<string, WorstCaseStats>;
  raised_cap: Record<string, WorstCaseStats>;
  /** Raised cap, all addresses allowed: CPU p50 per element (ns) at each list length. */
  scaling_ns_per_element: Record<string, number>;
}

const list = (type: string): Record<string, unknown> => ({ type: "array", items: { type } });
const tools: ToolDeclaration[] = ["send_email", "send_email_uncapped", "fetch_urls", "fetch_urls_uncapped"].map((name) => ({
  type: "function",
  function: {
    name,
    parameters: { type: "object", properties: name.startsWith("send") ? { to: list("string") } : { urls: list("string") }, required: [] },
  },
}));

const config = `version: 1
tools:
  send_email: { effect: allow, constraints: { allowed_domains: [x.io] } }
  send_email_uncapped: { effect: allow, constraints: { allowed_domains: [x.io], max_elements: ${UNCAPPED} } }
  fetch_urls: { effect: allow, constraints: { allowed_hosts: [x.io], url_fields: [urls] } }
  fetch_urls_uncapped: { effect: allow, constraints: { allowed_hosts: [x.io], url_fields: [urls], max_elements: ${UNCAPPED} } }
`;

export async function worstCaseGate(): Promise<Gate> {
  const dir = await mkdtemp(path.join(tmpdir(), "toolgate-worst-case-"));
  const regoDir = path.join(dir, "rego");
  await mkdir(regoDir);
  await writeFile(path.join(regoDir, "toolgate.yaml"), config);
  await writeFile(path.join(regoDir, "tools.json"), JSON.stringify(tools));
  const out = path.join(dir, "bundle.tar.gz");
  await compileBundle({ regoDir, out });
  return new Gate(await PolicyEngine.load(await readBundle(out)), { tools });
}

/** n distinct short strings built from two base-36 characters and a suffix (kept short to fit 24,000 under 256 KiB). */
function values(n: number, make: (tag: string) => string): string[] {
  return Array.from({ length: n }, (_, i) => make((i % 1296).toString(36).padStart(2, "0")));
}

const call = (name: string, args: Record<string, unknown>): ToolCall =>
  ({ surface: "chat", assistant_id: "bench", call_id: "worst", name, arguments: JSON.stringify(args) });

export async function benchWorstCase(iterations = 40): Promise<WorstCaseResult> {
  const gate = await worstCaseGate();
  const n = WORST_CASE_ELEMENTS;
  const lists = {
    "addresses, all allowed": { to: values(n, (t) => `${t}@x.io`) },
    "addresses, none allowed": { to: values(n, (t) => `${t}@y.io`) },
    "addresses, all invalid": { to: values(n, (t) => `${t}@x_io`) },
    "URLs, all allowed": { urls: values(WORST_CASE_URLS, (t) => `http://x.io/${t}`) },
    "URLs, none allowed": { urls: values(WORST_CASE_URLS, (t) => `http://y.io/${t}`) },
  };
  const tool = (label: string, uncapped: boolean): string =>
    `${label.startsWith("URLs") ? "fetch_urls" : "send_email"}${uncapped ? "_uncapped" : ""}`;
  const outcomes: Record<string, string> = {};
  const run = (uncapped: boolean): Record<string, WorstCaseStats> =>
    Object.fromEntries(Object.entries(lists).map(([label, args]) => {
      const c = call(tool(label, uncapped), args);
      const { decision } = gate.evaluate(c);
      outcomes[`${label}, ${uncapped ? "raised cap" : "default cap"}`] = `${decision.effect} ${decision.reasons.map((r) => r.code).join(",")}`.trim();
      return [label, measureWithCpu(() => void gate.evaluate(c), iterations)];
    }));
  const argumentBytes = Math.max(...Object.values(lists).map((args) => Buffer.byteLength(JSON.stringify(args))));
  const defaultCap = run(false);
  const raisedCap = run(true);
  const scaling: Record<string, number> = {};
  for (const size of [1500, 3000, 6000, 12_000, 24_000]) {
    const c = call("send_email_uncapped", { to: values(size, (t) => `${t}@x.io`) });
    scaling[String(size)] = Math.round((measureWithCpu(() => void gate.evaluate(c), iterations).cpu_p50_us * 1000) / size);
  }
  return { elements: n, urls: WORST_CASE_URLS, argument_bytes: argumentBytes, outcomes, default_cap: defaultCap, raised_cap: raisedCap, scaling_ns_per_element: scaling };
}

if (import.meta.main) {
  const r = await benchWorstCase();
  const ms = (us: number): string => (us / 1000).toFixed(1).padStart(7);
  process.stdout.write(`worst case: ${r.elements} addresses / ${r.urls} URLs, arguments up to ${r.argument_bytes} bytes\n`);
  for (const [cap, stats] of [["default", r.default_cap], ["raised", r.raised_cap]] as const) {
    for (const [label, st] of Object.entries(stats)) {
      const outcome = r.outcomes[`${label}, ${cap} cap`] ?? "";
      process.stdout.write(`${cap.padEnd(8)} ${label.padEnd(26)} ${outcome.padEnd(28)} p50 ${ms(st.p50_us)} ms  p99 ${ms(st.p99_us)} ms  cpu p50 ${ms(st.cpu_p50_us)} ms  cpu p99 ${ms(st.cpu_p99_us)} ms\n`);
    }
  }
  process.stdout.write(`cpu ns per element (raised cap): ${JSON.stringify(r.scaling_ns_per_element)}\n`);
}
