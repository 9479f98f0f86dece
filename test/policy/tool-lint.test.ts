import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { WatchedGate } from "../../src/gate/watched-gate.ts";
import { compileBundle } from "../../src/policy/compile.ts";
import { PolicyBuildError } from "../../src/policy/errors.ts";
import type { ReloadFailedEvent } from "../../src/policy/watch.ts";
import { runCli } from "../helpers/run-cli.ts";
import { policyCopy, refundCall, shippedTools, silent, writeConfig } from "./reload-helpers.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const shipped = await readFile(path.resolve(import.meta.dirname, "..", "..", "rego", "toolgate.yaml"), "utf8");
/** 1-based line and column of the first occurrence of `needle` in `text`. */
function where(text: string, needle: string): { row: number; col: number } {
  const before = text.slice(0, text.indexOf(needle));
  if (!text.includes(needle)) throw new Error(`${needle} not in the config`);
  const lines = before.split("\n");
  return { row: lines.length, col: lines.at(-1)!.length + 1 };
}

// asst_abc123's lower refund limit under a misspelt name: without the check it never applied.
const OVERRIDE_TYPO = shipped.replace("      refund_order: { constraints: { max_amount: 100 } }", "      refund_ordr: { constraints: { max_amount: 100 } }");
const TOP_LEVEL_TYPO = shipped.replace("  send_email:\n", "  send_emial:\n");

async function copy() {
  const c = await policyCopy();
  cleanups.push(c.cleanup);
  return c;
}

describe("toolgate.yaml tool names are checked against the declarations", () => {
  it("policy build refuses an undeclared name at its file:line:col with a suggestion", async () => {
    const { dir, regoDir } = await copy();
    await writeConfig(regoDir, OVERRIDE_TYPO);
    const result = await runCli(["build", "--rego", regoDir, "--out", path.join(dir, "b.tar.gz")]);
    expect(result.code).toBe(2);
    const at = where(OVERRIDE_TYPO, "refund_ordr");
    expect(result.stderr).toContain(
      `toolgate.yaml:${at.row}:${at.col}: config_tool_not_declared: assistants.asst_abc123.tools names tool "refund_ordr"`,
    );
    expect(result.stderr).toContain('did you mean "refund_order"?');

    // --tools names the declarations explicitly: a tools file without send_email makes its entry an error.
    const tools = (await shippedTools()).filter((t) => t.function.name !== "send_email");
    const toolsFile = path.join(dir, "fewer-tools.json");
    await writeFile(toolsFile, JSON.stringify(tools));
    await writeConfig(regoDir, shipped);
    const fewer = await runCli(["build", "--rego", regoDir, "--out", path.join(dir, "b.tar.gz"), "--tools", toolsFile]);
    expect(fewer.code).toBe(2);
    const send = where(shipped, "send_email:");
    expect(fewer.stderr).toContain(`toolgate.yaml:${send.row}:${send.col}: config_tool_not_declared: tools names tool "send_email"`);
  });

  it("compileBundle refuses a top-level typo; no suggestion when nothing is close", async () => {
    const { dir, regoDir } = await copy();
    await writeConfig(regoDir, TOP_LEVEL_TYPO);
    const err = (await compileBundle({ regoDir, out: path.join(dir, "b.tar.gz") }).catch((e: unknown) => e)) as PolicyBuildError;
    expect(err).toBeInstanceOf(PolicyBuildError);
    expect(err.diagnostics).toEqual([
      expect.objectContaining({
        code: "config_tool_not_declared",
        message: expect.stringContaining('did you mean "send_email"?'),
        location: expect.objectContaining({ file: expect.stringMatching(/toolgate\.yaml$/), ...where(TOP_LEVEL_TYPO, "send_emial") }),
      }),
    ]);
    await writeConfig(regoDir, shipped.replace("  send_email:\n", "  quantum_teleport:\n"));
    const far = (await compileBundle({ regoDir, out: path.join(dir, "b.tar.gz") }).catch((e: unknown) => e)) as PolicyBuildError;
    expect(far.diagnostics[0]!.message).not.toContain("did you mean");
    expect(far.diagnostics[0]!.message).toContain("declared: create_ticket, delete_customer");
  });

  it("names reached through a YAML alias are checked too", async () => {
    const { dir, regoDir } = await copy();
    const aliased =
      shipped.replace("    tools:\n      refund_order: { constraints: { max_amount: 100 } }", "    tools: &small\n      refund_ordr: { constraints: { max_amount: 100 } }") +
      "  asst_other:\n    tools: *small\n";
    expect(aliased).toContain("*small");
    await writeConfig(regoDir, aliased);
    const err = (await compileBundle({ regoDir, out: path.join(dir, "b.tar.gz") }).catch((e: unknown) => e)) as PolicyBuildError;
    expect(err).toBeInstanceOf(PolicyBuildError);
    const at = where(aliased, "refund_ordr");
    expect(err.diagnostics.map((d) => [d.code, d.message.split(" names")[0], d.location?.row, d.location?.col])).toEqual([
      ["config_tool_not_declared", "assistants.asst_abc123.tools", at.row, at.col],
      ["config_tool_not_declared", "assistants.asst_other.tools", at.row, at.col],
    ]);
  });

  it("warnings (build succeeds): tool_not_configured, override_without_tool, tools_not_checked, config_missing", async () => {
    const { dir, regoDir } = await copy();
    const out = path.join(dir, "b.tar.gz");
    const noFetch = shipped.replace(/\n  fetch_url:\n.*\n.*\n/, "\n");
    const noUpdate = noFetch.replace(/\n  update_order_status:\n.*\n.*\n.*\n/, "\n");
    expect(noUpdate).not.toMatch(/fetch_url|^  update_order_status/m);
    await writeConfig(regoDir, noUpdate);
    const built = await compileBundle({ regoDir, out });
    expect(built.warnings.map((w) => [w.code, w.location ? `${w.location.row}:${w.location.col}` : "-"])).toEqual([
      ["override_without_tool", `${where(noUpdate, "update_order_status: {").row}:${where(noUpdate, "update_order_status: {").col}`],
      ["tool_not_configured", "-"],
    ]);
    expect(built.warnings[1]!.message).toMatch(/"fetch_url" .* every call of it will be denied/);

    const cli = await runCli(["build", "--rego", regoDir, "--out", out]);
    expect(cli.code).toBe(0);
    expect(cli.stderr).toMatch(/policy: warning: .*toolgate\.yaml:\d+:\d+: override_without_tool: assistants\.asst_def456\.tools\.update_order_status/);
    expect(cli.stderr).toMatch(/policy: warning: tool_not_configured: tool "fetch_url"/);

    await rm(path.join(regoDir, "tools.json"));
    const unchecked = await runCli(["build", "--rego", regoDir, "--out", out]);
    expect(unchecked.code).toBe(0);
    expect(unchecked.stderr).toMatch(/^policy: warning: tools_not_checked: no tool declarations/m);
    expect(unchecked.stderr).toMatch(/override_without_tool/);
    expect(unchecked.stderr).not.toMatch(/tool_not_configured/);

    await rm(path.join(regoDir, "toolgate.yaml"));
    const missing = await compileBundle({ regoDir, out });
    expect(missing.warnings.map((w) => w.code)).toEqual(["config_missing"]);
    expect(missing.warnings[0]!.message).toMatch(/denies every tool call/);
  });

  it("the shipped example builds without a warning", async () => {
    const { dir, regoDir } = await copy();
    const result = await runCli(["build", "--rego", regoDir, "--out", path.join(dir, "b.tar.gz")]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
  });

  it("a gate checks the names against its own tools; the watcher keeps the last good revision on a typo", async () => {
    const { regoDir } = await copy();
    const tools = await shippedTools();
    const withoutRefund = tools.filter((t) => t.function.name !== "refund_order");
    const err = await WatchedGate.start({ tools: withoutRefund, policy: { regoDir }, logger: silent, settleMs: 30 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyBuildError);
    expect((err as PolicyBuildError).diagnostics.map((d) => d.code)).toContain("config_tool_not_declared");
    expect((err as PolicyBuildError).message).toMatch(/is not declared in the gate's tools/);

    const gate = await WatchedGate.start({ tools, policy: { regoDir }, logger: silent, debounceMs: 30, settleMs: 30 });
    cleanups.push(() => gate.close());
    const serving = gate.revision;
    const failed = new Promise<ReloadFailedEvent>((resolve) => gate.once("reload_failed", resolve));
    await writeConfig(regoDir, OVERRIDE_TYPO);
    const f = await failed;
    expect(f.diagnostics).toEqual([
      expect.objectContaining({ code: "config_tool_not_declared", location: expect.objectContaining(where(OVERRIDE_TYPO, "refund_ordr")) }),
    ]);
    expect(gate.revision).toBe(serving);
    // asst_abc123 keeps its limit of 100.
    expect(gate.evaluate(refundCall(300, "asst_abc123"), "fresh").decision).toMatchObject({ effect: "deny", revision: serving });
  });
});
