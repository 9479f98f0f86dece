// Benchmark: `policy test` on 1,000 tool-call cases, build included, as a user
// runs it (a fresh CLI process). Target: under 2 s on the project machine.
// Usage: node test/bench/policy-test.ts [cases=1000] [runs=5]
import { execFileSync } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse, stringify } from "yaml";

const root = path.resolve(import.meta.dirname, "..", "..");
const count = Number(process.argv[2] ?? 1000);
const runs = Number(process.argv[3] ?? 5);

const dir = await mkdtemp(path.join(tmpdir(), "toolgate-bench-ptest-"));
try {
  await cp(path.join(root, "rego"), path.join(dir, "rego"), { recursive: true });
  const seeds = (parse(await readFile(path.join(root, "test", "cases", "seed.yaml"), "utf8")) as { cases: Array<Record<string, unknown>> }).cases;
  const cases = Array.from({ length: count }, (_, i) => ({ ...seeds[i % seeds.length], id: `${String(seeds[i % seeds.length]!.id)}-${i}` }));
  await mkdir(path.join(dir, "test", "cases"), { recursive: true });
  await writeFile(path.join(dir, "test", "cases", "bench.yaml"), stringify({ cases }));

  const main = path.join(root, "src", "cli", "main.ts");
  const measure = (args: string[]) => {
    const walls: number[] = [];
    let report: { summary: Record<string, number>; build_ms: number; wall_ms: number } | undefined;
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const out = execFileSync(process.execPath, [main, "test", ...args, "--reporter", "json"], { cwd: dir, stdio: ["ignore", "pipe", "ignore"] });
      walls.push(performance.now() - started);
      report = JSON.parse(out.toString("utf8"));
    }
    walls.sort((a, b) => a - b);
    return { median: walls[Math.floor(walls.length / 2)]!, min: walls[0]!, report: report! };
  };
  const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  for (const [label, args] of [
    [`${count} tool-call cases`, ["test/cases"]],
    [`${count} tool-call cases + the policy's Rego tests`, ["rego", "test/cases"]],
  ] as const) {
    const r = measure([...args]);
    const s = r.report.summary;
    console.log(
      `${label}: ${fmt(r.median)} median of ${runs} (min ${fmt(r.min)}), whole process incl. node start and opa build; ` +
        `inside: build ${fmt(r.report.build_ms)}, wall ${fmt(r.report.wall_ms)}; ${s.passed} passed, ${s.failed} failed` +
        `${r.median < 2000 ? "  [target < 2 s: met]" : "  [target < 2 s: MISSED]"}`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
