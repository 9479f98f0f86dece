import { readFile, rename, rm, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Gate } from "../../src/gate/gate.ts";
import { WatchedGate } from "../../src/gate/watched-gate.ts";
import { compileBundle } from "../../src/policy/compile.ts";
import { PolicyBuildError } from "../../src/policy/errors.ts";
import type { PolicyWatcherEvents, ReloadFailedEvent } from "../../src/policy/watch.ts";
import {
  BAD_REGO,
  BAD_SCHEMA,
  BAD_YAML,
  POLICY_A,
  POLICY_B,
  policyCopy,
  refundCall,
  shippedTools,
  silent,
  writeConfig,
} from "./reload-helpers.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function setup(extra: { watch?: boolean; debounceMs?: number } = {}) {
  const copy = await policyCopy();
  const gate = await WatchedGate.start({
    tools: await shippedTools(),
    policy: { regoDir: copy.regoDir },
    logger: silent,
    debounceMs: extra.debounceMs ?? 50,
    settleMs: 30,
    watch: extra.watch ?? true,
  });
  cleanups.push(copy.cleanup, () => gate.close());
  return { ...copy, gate };
}

function next<E extends "reloaded" | "reload_failed" | "unchanged">(
  gate: WatchedGate,
  event: E,
): Promise<PolicyWatcherEvents[E][0]> {
  return new Promise((resolve) => gate.once(event, ((e: PolicyWatcherEvents[E][0]) => resolve(e)) as never));
}

/** The next build outcome of any kind, driven by the file watcher. */
function nextOutcome(gate: WatchedGate): Promise<string> {
  return new Promise((resolve) => {
    const done = (status: string) => () => {
      gate.off("reloaded", a);
      gate.off("reload_failed", b);
      gate.off("unchanged", c);
      resolve(status);
    };
    const a = done("reloaded");
    const b = done("reload_failed");
    const c = done("unchanged");
    gate.on("reloaded", a).on("reload_failed", b).on("unchanged", c);
  });
}

// One call on its own: its budgets (the seed's daily_refunds) as if nothing were used yet.
const effect = (gate: Gate, amount = 300) => gate.evaluate(refundCall(amount), "fresh").decision;

describe("explicit reload()", () => {
  it("swaps a good change, reports unchanged, keeps the last good on a located error, recovers", async () => {
    const { gate, regoDir } = await setup({ watch: false });
    const first = gate.revision;
    expect(first).toMatch(/^[0-9a-f]{16}$/);
    expect(effect(gate)).toMatchObject({ effect: "allow", revision: first });

    expect((await gate.reload()).status).toBe("unchanged");

    await writeConfig(regoDir, POLICY_B.config);
    const reloaded = await gate.reload();
    expect(reloaded).toMatchObject({ status: "reloaded", from: first, trigger: "explicit" });
    const second = gate.revision;
    expect(second).not.toBe(first);
    expect(reloaded.status === "reloaded" && reloaded.to).toBe(second);
    expect(effect(gate)).toMatchObject({ effect: "deny", revision: second });

    // Rego syntax error: located by opa check.
    await writeFile(path.join(regoDir, "broken.rego"), BAD_REGO);
    const failed = await gate.reload();
    expect(failed.status).toBe("failed");
    const f = failed as ReloadFailedEvent;
    expect(f.serving).toBe(second);
    expect(f.error).toBeInstanceOf(PolicyBuildError);
    expect(f.diagnostics[0]).toMatchObject({ code: "rego_parse_error", location: { row: expect.any(Number), col: expect.any(Number) } });
    expect(f.diagnostics[0]!.location!.file).toMatch(/broken\.rego$/);
    expect(gate.revision).toBe(second);
    expect(effect(gate)).toMatchObject({ effect: "deny", revision: second });
    await rm(path.join(regoDir, "broken.rego"));

    // Invalid toolgate.yaml (schema): located at the offending value.
    await writeConfig(regoDir, BAD_SCHEMA);
    const invalid = (await gate.reload()) as ReloadFailedEvent;
    expect(invalid.diagnostics[0]).toMatchObject({ code: "config_invalid", location: { file: expect.stringMatching(/toolgate\.yaml$/) } });
    expect(gate.revision).toBe(second);

    // Recovery.
    await writeConfig(regoDir, POLICY_A.config);
    expect((await gate.reload()).status).toBe("reloaded");
    expect(gate.revision).toBe(first); // same content, same revision
    expect(effect(gate).effect).toBe("allow");
  });

  it("a capabilities error keeps the last good", async () => {
    const { gate, regoDir } = await setup({ watch: false });
    const serving = gate.revision;
    await writeFile(
      path.join(regoDir, "net.rego"),
      'package toolgate.rules\n\ndeny contains {"code": "x", "message": "y"} if {\n\thttp.send({"method": "GET", "url": "http://x"}).status_code == 500\n}\n',
    );
    const outcome = await gate.reload();
    expect(outcome.status).toBe("failed");
    const failed = outcome as ReloadFailedEvent;
    expect(failed.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n")).toMatch(/http\.send/);
    expect(failed.diagnostics[0]!.location?.file).toMatch(/net\.rego$/);
    expect(gate.revision).toBe(serving);
  });

  it("a listener that throws does not break reloading", async () => {
    const { gate, regoDir } = await setup({ watch: false });
    gate.on("reloaded", () => {
      throw new Error("listener bug");
    });
    await writeConfig(regoDir, POLICY_B.config);
    const outcome = await gate.reload();
    expect(outcome.status).toBe("reloaded");
    expect(effect(gate).effect).toBe("deny");
    await writeConfig(regoDir, POLICY_A.config);
    expect((await gate.reload()).status).toBe("reloaded");
    expect(effect(gate).effect).toBe("allow");
  });

  it("a first build that fails throws the located error and leaks no watcher", async () => {
    const copy = await policyCopy();
    cleanups.push(copy.cleanup);
    await writeConfig(copy.regoDir, BAD_YAML);
    const err = await WatchedGate.start({ tools: await shippedTools(), policy: { regoDir: copy.regoDir }, logger: silent, settleMs: 30 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PolicyBuildError);
    expect((err as PolicyBuildError).diagnostics[0]).toMatchObject({ code: "config_parse_error", location: { row: expect.any(Number) } });
  });
});

describe("file watcher", () => {
  it("reloads on save, reports broken saves through reload_failed, recovers", async () => {
    const { gate, regoDir } = await setup();
    const first = gate.revision;
    const failures: ReloadFailedEvent[] = [];
    gate.on("reload_failed", (e) => failures.push(e));

    let reloaded = next(gate, "reloaded");
    await writeConfig(regoDir, POLICY_B.config);
    const r = await reloaded;
    expect(r).toMatchObject({ from: first, trigger: "watch" });
    expect(r.changed.some((p) => p.endsWith("toolgate.yaml"))).toBe(true);
    expect(effect(gate)).toMatchObject({ effect: "deny", revision: r.to });

    const failed = next(gate, "reload_failed");
    await writeConfig(regoDir, BAD_YAML);
    expect((await failed).diagnostics[0]).toMatchObject({ code: "config_parse_error", location: { row: expect.any(Number) } });
    expect(gate.revision).toBe(r.to);

    // An editor-style atomic save (write a temp file, rename over).
    reloaded = next(gate, "reloaded");
    const tmp = path.join(regoDir, ".toolgate.yaml.swp");
    await writeFile(tmp, POLICY_A.config);
    await rename(tmp, path.join(regoDir, "toolgate.yaml"));
    expect((await reloaded).to).toBe(first);
    expect(effect(gate)).toMatchObject({ effect: "allow", revision: first });
    expect(failures).toHaveLength(1);
  });

  it("a burst of saves, including half-written ones, settles on the last content", async () => {
    const { gate, regoDir } = await setup({ debounceMs: 80 });
    const outcomes: string[] = [];
    gate.on("reloaded", (e) => outcomes.push(`reloaded ${e.to}`));
    gate.on("reload_failed", () => outcomes.push("failed"));
    const file = path.join(regoDir, "toolgate.yaml");
    const full = POLICY_B.config;
    // Write the file in pieces, as a slow writer would.
    for (let i = 1; i <= 8; i++) {
      await writeFile(file, full.slice(0, Math.floor((full.length * i) / 8)));
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 150));
    await gate.watcher.settled();
    expect(effect(gate).effect).toBe("deny");
    expect(outcomes.at(-1)).toBe(`reloaded ${gate.revision}`);
    // The debounce coalesced the burst into one build.
    expect(outcomes).toHaveLength(1);
  });

  it("deleting the policy keeps the last good revision and says so", async () => {
    const { gate, regoDir } = await setup();
    const serving = gate.revision;
    const failed = next(gate, "reload_failed");
    await rm(regoDir, { recursive: true });
    const f = await failed;
    expect(f.diagnostics[0]!.code).toBe("policy_removed");
    expect(f.diagnostics[0]!.message).toContain(`keeping revision ${serving}`);
    expect(gate.revision).toBe(serving);
    expect(effect(gate)).toMatchObject({ effect: "allow", revision: serving });
    expect(effect(gate, 600).effect).toBe("deny");
  });

  it("removing toolgate.yaml alone keeps the last good revision rather than denying everything", async () => {
    const { gate, regoDir } = await setup();
    const serving = gate.revision;
    const failed = next(gate, "reload_failed");
    await rm(path.join(regoDir, "toolgate.yaml"));
    expect((await failed).diagnostics[0]!.code).toBe("config_removed");
    expect(gate.revision).toBe(serving);
  });
});

describe("prebuilt bundle mode", () => {
  it("reloads a replaced bundle, keeps the last good on a corrupt or partial one", async () => {
    const copy = await policyCopy();
    cleanups.push(copy.cleanup);
    const bundle = path.join(copy.dir, "build", "bundle.tar.gz");
    await compileBundle({ regoDir: copy.regoDir, out: bundle });
    const gate = await WatchedGate.start({
      tools: await shippedTools(),
      policy: { bundle },
      logger: silent,
      debounceMs: 30,
      settleMs: 40,
    });
    cleanups.push(() => gate.close());
    const first = gate.revision;

    // A truncated copy (a half-copied download): refused.
    const good = await readFile(bundle);
    let failed = next(gate, "reload_failed");
    await writeFile(bundle, good.subarray(0, Math.floor(good.length / 2)));
    expect((await failed).error.code).toBe("bundle_load_failed");
    expect(gate.revision).toBe(first);

    failed = next(gate, "reload_failed");
    await writeFile(bundle, "not a tarball");
    await failed;
    expect(gate.revision).toBe(first);

    // CI publishes a new bundle (compileBundle writes it by rename).
    await writeConfig(copy.regoDir, POLICY_B.config);
    const reloaded = next(gate, "reloaded");
    await compileBundle({ regoDir: copy.regoDir, out: bundle });
    expect((await reloaded).from).toBe(first);
    expect(effect(gate).effect).toBe("deny");

    failed = next(gate, "reload_failed");
    await rm(bundle);
    expect((await failed).error.message).toMatch(/gone/);
    expect(effect(gate).effect).toBe("deny");
  });

  it("a bundle written slowly is read only once it holds still", async () => {
    const copy = await policyCopy();
    cleanups.push(copy.cleanup);
    const bundle = path.join(copy.dir, "bundle.tar.gz");
    await compileBundle({ regoDir: copy.regoDir, out: bundle });
    const gate = await WatchedGate.start({ tools: await shippedTools(), policy: { bundle }, logger: silent, debounceMs: 20, settleMs: 150 });
    cleanups.push(() => gate.close());
    await writeConfig(copy.regoDir, POLICY_B.config);
    const other = path.join(copy.dir, "other.tar.gz");
    await compileBundle({ regoDir: copy.regoDir, out: other });
    const bytes = await readFile(other);
    const failures: ReloadFailedEvent[] = [];
    gate.on("reload_failed", (e) => failures.push(e));
    const reloaded = next(gate, "reloaded");
    // Chunks 60 ms apart: longer than the debounce, shorter than the settle time.
    await truncate(bundle, 0);
    for (let i = 1; i <= 4; i++) {
      await writeFile(bundle, bytes.subarray(0, Math.floor((bytes.length * i) / 4)));
      await new Promise((r) => setTimeout(r, 60));
    }
    await reloaded;
    await gate.watcher.settled();
    expect(failures).toHaveLength(0);
    expect(effect(gate).effect).toBe("deny");
  });
});

describe("close()", () => {
  it("releases the watcher: no handles left behind", async () => {
    const before = process.getActiveResourcesInfo().length;
    const copy = await policyCopy();
    cleanups.push(copy.cleanup);
    const gate = await WatchedGate.start({ tools: await shippedTools(), policy: { regoDir: copy.regoDir }, logger: silent, debounceMs: 20, settleMs: 30 });
    expect(process.getActiveResourcesInfo().length).toBeGreaterThan(before);
    const outcome = nextOutcome(gate);
    await writeConfig(copy.regoDir, POLICY_B.config);
    expect(await outcome).toBe("reloaded");
    await gate.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(process.getActiveResourcesInfo().length).toBeLessThanOrEqual(before);
    // The gate keeps serving its last revision after close.
    expect(effect(gate).effect).toBe("deny");
    expect(gate.watcher.closed).toBe(true);
  });
});
