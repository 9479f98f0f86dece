import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Gate } from "../../src/gate/gate.ts";
import { WatchedGate } from "../../src/gate/watched-gate.ts";
import { compileBundle } from "../../src/policy/compile.ts";
import { PolicyEngine } from "../../src/policy/engine.ts";
import { PolicyBuildError } from "../../src/policy/errors.ts";
import { CUSTOM_RULE_KINDS } from "../../src/policy/rule-lint.ts";
import type { ReloadFailedEvent } from "../../src/policy/watch.ts";
import { runCli } from "../helpers/run-cli.ts";
import { policyCopy, refundCall, shippedTools, silent } from "./reload-helpers.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function copy() {
  const c = await policyCopy();
  cleanups.push(c.cleanup);
  return c;
}

async function buildError(regoDir: string, out: string): Promise<PolicyBuildError> {
  const err = await compileBundle({ regoDir, out }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PolicyBuildError);
  return err as PolicyBuildError;
}

const located = (err: PolicyBuildError) =>
  err.diagnostics.map((d) => `${path.basename(d.location?.file ?? "?")}:${d.location?.row}:${d.location?.col} ${d.code}`);

// A rule meant to require approval for every refund, under a name the decision does not read.
const UNREAD_RULE = [
  "package toolgate.rules",
  "",
  "_is_refund if input.tool.name == \"refund_order\"",
  "",
  "approval contains {\"code\": \"refunds_need_approval\", \"message\": \"all refunds need approval\"} if _is_refund",
  "",
].join("\n");

describe("rules the decision never reads are refused", () => {
  it("policy build: an unknown rule name in toolgate.rules, located, exit 2, no bundle", async () => {
    const { dir, regoDir } = await copy();
    await writeFile(path.join(regoDir, "approvals.rego"), UNREAD_RULE);
    const out = path.join(dir, "b.tar.gz");
    const result = await runCli(["build", "--rego", regoDir, "--out", out]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/approvals\.rego:5:1: rule_not_read: toolgate\.rules\.approval is never read by the decision .*_approval\)/);
    expect(result.stdout).toBe("");
    await expect(readFile(out)).rejects.toThrow();
  });

  it("compileBundle: unread packages, unknown names, subpackages and decision rules written as functions; helpers, imported packages and _test packages pass", async () => {
    const { dir, regoDir } = await copy();
    await writeFile(path.join(regoDir, "unread.rego"), "package approvals\n\ndeny contains \"x\" if true\n");
    await writeFile(path.join(regoDir, "sub.rego"), "package toolgate.rules.approve\n\nrefund if true\n");
    await writeFile(path.join(regoDir, "fn.rego"), "package toolgate.rules\n\nrequire_approval(x) := x\n\nallow if true\n");
    const err = await buildError(regoDir, path.join(dir, "b.tar.gz"));
    // `require_approval(x)` also clashes with the framework's types (an opa error after these).
    expect(located(err).filter((l) => / rule_/.test(l)).sort()).toEqual([
      "fn.rego:3:1 rule_not_read",
      "fn.rego:5:1 rule_not_read",
      "sub.rego:1:1 rule_not_read",
      "unread.rego:1:1 rule_package_not_read",
    ]);
    expect(err.message).toMatch(/fn\.rego:3:1: rule_not_read: toolgate\.rules\.require_approval is a function/);
    expect(err.message).toMatch(/unread\.rego:1:1: rule_package_not_read: package approvals is never read by the decision/);

    // The same intent, written so that the decision reads it: accepted.
    await writeFile(path.join(regoDir, "unread.rego"), "package lib.refunds\n\nis_refund if input.tool.name == \"refund_order\"\n");
    await writeFile(
      path.join(regoDir, "sub.rego"),
      "package toolgate.rules\n\nimport data.lib.refunds\n\nrequire_approval contains {\"code\": \"refunds_need_approval\", \"message\": \"m\"} if refunds.is_refund\n",
    );
    await writeFile(path.join(regoDir, "fn.rego"), "package toolgate.rules_test\n\nhelper := 1\n\ntest_x if helper == 1\n");
    const built = await compileBundle({ regoDir, out: path.join(dir, "ok.tar.gz") });
    const gate = new Gate(await PolicyEngine.open(built.path), { tools: await shippedTools() });
    expect(gate.evaluate(refundCall(10), "fresh").decision).toMatchObject({
      effect: "require_approval",
      reasons: [{ code: "refunds_need_approval" }],
    });
  });

  it("a reference to data no rule defines, and a decision rule in a *_test.rego file, are refused, located", async () => {
    const { dir, regoDir } = await copy();
    await writeFile(path.join(regoDir, "lib.rego"), "package lib.refunds\n\nis_refund if input.tool.name == \"refund_order\"\n");
    await writeFile(
      path.join(regoDir, "approvals.rego"),
      [
        "package toolgate.rules",
        "",
        "import data.lib.refunds",
        "",
        'require_approval contains {"code": "a", "message": "m"} if refunds.is_refnd',
        "",
        'require_approval contains {"code": "b", "message": "m"} if data.lib.refunds.is_refund',
        "",
        'require_approval contains {"code": "c", "message": "m"} if data.toolgate.config.tools.refund_order.effect == "allow"',
        "",
      ].join("\n"),
    );
    await writeFile(path.join(regoDir, "refunds_test.rego"), 'package toolgate.rules\n\ndeny contains {"code": "d", "message": "m"} if true\n');
    const err = await buildError(regoDir, path.join(dir, "b.tar.gz"));
    expect(located(err)).toEqual(["approvals.rego:5:60 rule_ref_undefined", "refunds_test.rego:3:1 rule_not_read"]);
    expect(err.message).toMatch(/data\.lib\.refunds\.is_refnd is defined by no rule or package/);
    expect(err.message).toMatch(/toolgate\.rules\.deny is in a \*_test\.rego file/);
  });

  it("a number literal indexing data.toolgate.config is refused, located; through a variable it is accepted", async () => {
    const { dir, regoDir } = await copy();
    await writeFile(
      path.join(regoDir, "numbers.rego"),
      [
        "package toolgate.rules",
        "",
        'deny contains {"code": "a", "message": "m"} if data.toolgate.config.tools[2]',
        "",
        'deny contains {"code": "b", "message": "m"} if {',
        "\ttools := data.toolgate.config.tools",
        "\ttools[2]",
        "}",
        "",
      ].join("\n"),
    );
    const err = await buildError(regoDir, path.join(dir, "b.tar.gz"));
    expect(located(err)).toEqual(["numbers.rego:3:48 data_number_index"]);
    expect(err.message).toMatch(/OPA reads a number literal indexing data as the key "<number>", toolgate's WASM runtime as the number/);
  });

  it("a rule added to a framework package is accepted only under a name the framework reads", async () => {
    const { dir, regoDir } = await copy();
    const rule = (name: string) =>
      `package toolgate.constraints\n\n${name} contains {"code": "no_big_refunds", "message": "m"} if input.arguments.amount > 50\n`;
    await writeFile(path.join(regoDir, "extra.rego"), rule("allow"));
    const err = await buildError(regoDir, path.join(dir, "b.tar.gz"));
    expect(located(err)).toEqual(["extra.rego:3:1 rule_not_read"]);
    expect(err.message).toMatch(/toolgate\.constraints\.allow is never read: toolgate\.constraints is a framework package, which reads only the rules it defines \(.*deny.*\)/);

    await writeFile(path.join(regoDir, "extra.rego"), rule("deny"));
    const built = await compileBundle({ regoDir, out: path.join(dir, "ok.tar.gz") });
    const gate = new Gate(await PolicyEngine.open(built.path), { tools: await shippedTools() });
    expect(gate.evaluate(refundCall(60), "fresh").decision).toMatchObject({ effect: "deny", reasons: [{ code: "no_big_refunds" }] });
  });

  it("every rule name the lint accepts changes decisions (the list matches decision.rego)", async () => {
    expect([...CUSTOM_RULE_KINDS].sort()).toEqual(["deny", "require_approval", "sanitize"]);
    const { dir, regoDir } = await copy();
    const rules = [
      "package toolgate.rules",
      "",
      'deny contains {"code": "k_deny", "message": "m"} if input.arguments.order_id == "deny"',
      "",
      'require_approval contains {"code": "k_approval", "message": "m"} if input.arguments.order_id == "approve"',
      "",
      'sanitize contains {"code": "k_sanitize", "message": "m", "field": "order_id", "value": "clean"} if input.arguments.order_id == "sanitize"',
      "",
    ].join("\n");
    await writeFile(path.join(regoDir, "kinds.rego"), rules);
    const built = await compileBundle({ regoDir, out: path.join(dir, "b.tar.gz") });
    const gate = new Gate(await PolicyEngine.open(built.path), { tools: await shippedTools() });
    const decide = (order_id: string) =>
      gate.evaluate({ ...refundCall(10), arguments: JSON.stringify({ order_id, amount: 10 }) }, "fresh").decision;
    expect(decide("deny")).toMatchObject({ effect: "deny", reasons: [{ code: "k_deny" }] });
    expect(decide("approve")).toMatchObject({ effect: "require_approval", reasons: [{ code: "k_approval" }] });
    expect(decide("sanitize")).toMatchObject({ effect: "sanitize", reasons: [{ code: "k_sanitize" }] });
    expect(decide("other").effect).toBe("allow");
  });

  it("the watcher keeps serving the last good revision when an unread rule appears", async () => {
    const { regoDir } = await copy();
    const gate = await WatchedGate.start({ tools: await shippedTools(), policy: { regoDir }, logger: silent, debounceMs: 30, settleMs: 30 });
    cleanups.push(() => gate.close());
    const serving = gate.revision;
    const failed = new Promise<ReloadFailedEvent>((resolve) => gate.once("reload_failed", resolve));
    await writeFile(path.join(regoDir, "approvals.rego"), UNREAD_RULE);
    const f = await failed;
    expect(f.diagnostics).toEqual([
      expect.objectContaining({ code: "rule_not_read", location: expect.objectContaining({ file: expect.stringMatching(/approvals\.rego$/), row: 5 }) }),
    ]);
    expect(f.serving).toBe(serving);
    expect(gate.revision).toBe(serving);
    expect(gate.evaluate(refundCall(10), "fresh").decision).toMatchObject({ effect: "allow", revision: serving });
  });
});
