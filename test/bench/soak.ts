// Load soak: the gate at full speed for a fixed number of decisions through
// gate.decide() with audit logging on (AuditRecorder -> DecisionLog, durability
// none, rotating at 32 MB; rotated files are removed as it goes so the disk
// stays small) and a hot reload every RELOAD_EVERY decisions, alternating two
// bundles (the seed policy and a variant with other refund limits).
// Run: make soak (SOAK=1 vitest run, which includes test/gate/load.soak.ts), or node test/bench/soak.ts [decisions].
import { cp, mkdtemp, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { AuditRecorder } from "../../src/audit/audit-recorder.ts";
import { DecisionLog } from "../../src/audit/decision-log.ts";
import { listLogFiles } from "../../src/audit/log-files.ts";
import { Gate } from "../../src/gate/gate.ts";
import type { ToolDeclaration } from "../../src/gate/tool-call.ts";
import { readBundle, type Bundle } from "../../src/policy/bundle.ts";
import { compileBundle } from "../../src/policy/compile.ts";
import { PolicyEngine } from "../../src/policy/engine.ts";
import { largeCalls, root, seedCalls } from "./gate.ts";
import { soakFile, writeReport, type SoakResults } from "./report.ts";

export const RELOAD_EVERY = 10_000;
const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

export async function runSoak(decisions = 1_000_000, log: (line: string) => void = () => undefined): Promise<SoakResults> {
  const work = await mkdtemp(path.join(tmpdir(), "toolgate-soak-"));
  try {
    // Two revisions of the seed policy: as shipped, and with other refund limits.
    const variantDir = path.join(work, "rego-variant");
    await cp(path.join(root, "rego"), variantDir, { recursive: true });
    const yaml = await readFile(path.join(variantDir, "toolgate.yaml"), "utf8");
    await writeFile(path.join(variantDir, "toolgate.yaml"), yaml.replace("{ max_amount: 500 }", "{ max_amount: 400 }"));
    const bundles: Bundle[] = [];
    for (const [i, dir] of [path.join(root, "rego"), variantDir].entries()) {
      const out = path.join(work, `bundle-${i}.tar.gz`);
      await compileBundle({ regoDir: dir, out });
      bundles.push(await readBundle(out));
    }
    if (bundles[0]!.manifest.revision === bundles[1]!.manifest.revision) throw new Error("the two soak bundles have one revision");
    const tools = JSON.parse(await readFile(path.join(root, "rego", "tools.json"), "utf8")) as ToolDeclaration[];
    const logPath = path.join(work, "decisions.jsonl");
    const decisionLog = await DecisionLog.open({ path: logPath, durability: "none", maxBytes: 32 * 1024 * 1024 });
    const gate = new Gate(await PolicyEngine.load(bundles[0]!), { tools, recorder: new AuditRecorder(decisionLog) });
    // Mostly the small seed mix, one 64 KiB call in 100.
    const small = await seedCalls();
    const large = largeCalls();
    const callAt = (i: number) => (i % 100 === 99 ? large[i % large.length]! : small[i % small.length]!);

    const effects: Record<string, number> = {};
    let errors = 0;
    let reloads = 0;
    let rssStart = 0;
    let rssPeak = 0;
    const started = performance.now();
    for (let i = 0; i < decisions; i++) {
      if (i > 0 && i % RELOAD_EVERY === 0) {
        gate.use(await PolicyEngine.load(bundles[reloads % 2 === 0 ? 1 : 0]!));
        reloads += 1;
        const rss = process.memoryUsage().rss;
        if (i === RELOAD_EVERY * 2) rssStart = rss; // after warm-up: JIT, caches, WASM memory at size
        rssPeak = Math.max(rssPeak, rss);
        for (const file of await listLogFiles(logPath)) if (file !== logPath) await unlink(file);
        if (i % 100_000 === 0) log(`${i} decisions, ${reloads} reloads, RSS ${mb(rss)} MB, ${errors} errors`);
      }
      try {
        const decision = await gate.decide(callAt(i));
        effects[decision.effect] = (effects[decision.effect] ?? 0) + 1;
        if (decision.reasons.some((r) => r.code === "policy_error" || r.code === "invalid_decision" || r.code === "no_policy")) errors += 1;
      } catch {
        errors += 1;
      }
    }
    const seconds = (performance.now() - started) / 1000;
    await decisionLog.close();
    const rssEnd = process.memoryUsage().rss;
    rssPeak = Math.max(rssPeak, rssEnd);
    if (rssStart === 0) rssStart = rssEnd;
    const lastFile = (await readFile(logPath, "utf8")).trim().split("\n");
    const lastSeq = (JSON.parse(lastFile[lastFile.length - 1]!) as { seq: number }).seq;
    return {
      measured_at: new Date().toISOString(),
      decisions,
      reloads,
      errors,
      seconds: Math.round(seconds * 10) / 10,
      per_second: Math.round(decisions / seconds),
      rss_start_mb: mb(rssStart),
      rss_peak_mb: mb(rssPeak),
      rss_end_mb: mb(rssEnd),
      rss_growth_mb: mb(rssEnd - rssStart),
      audit_records: lastSeq,
      effects,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export async function soakAndReport(decisions?: number, log?: (line: string) => void): Promise<SoakResults> {
  const result = await runSoak(decisions, log);
  await writeFile(soakFile, `${JSON.stringify(result, null, 2)}\n`);
  writeReport();
  return result;
}

if (import.meta.main) {
  const result = await soakAndReport(Number(process.argv[2] ?? 1_000_000), (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
