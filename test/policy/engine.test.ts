import { beforeAll, describe, expect, it } from "vitest";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { compileBundle } from "../../src/policy/compile.ts";
import { readBundle } from "../../src/policy/bundle.ts";
import { PolicyEngine } from "../../src/policy/engine.ts";
import { runCli } from "../helpers/run-cli.ts";
import { buildSeedBundle } from "../helpers/seed-bundle.ts";

let bundlePath: string;
let engine: PolicyEngine;

beforeAll(async () => {
  bundlePath = await buildSeedBundle();
  engine = await PolicyEngine.load(await readBundle(bundlePath));
});

const input = {
  version: 1, surface: "cli", assistant_id: "asst_zzz", call_id: "c1",
  tool: { name: "refund_order", type: "function" },
  arguments: { order_id: "o-1", amount: 900 }, constraints: { max_amount: 500 }, context: {},
};

describe("PolicyEngine", () => {
  it("evaluates toolgate/decision on an input document", () => {
    expect(engine.entrypoints).toContain("toolgate/decision");
    expect(engine.evaluate(input)).toMatchObject({ effect: "deny", reasons: [{ code: "max_amount_exceeded" }] });
  });

  it("passes falsy inputs to the policy instead of evaluating with no input", () => {
    // The SDK alone would treat these as "no input"; the framework must see them and deny.
    for (const falsy of [null, 0, "", false]) {
      expect(engine.evaluate(falsy)).toMatchObject({ effect: "deny", reasons: [{ code: "invalid_input" }] });
    }
  });

  it("`policy eval --input` prints the raw decision for an input document", async () => {
    const result = await runCli(["eval", "--bundle", bundlePath, "--input", "-", "--format", "json"], {
      stdin: JSON.stringify(input),
    });
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout) as { revision: string; result: { effect: string } };
    expect(out.revision).toBe(engine.revision);
    expect(out.result.effect).toBe("deny");
  });

  it("`policy eval` explains a usage mistake and a bad call file", async () => {
    const both = await runCli(["eval", "--bundle", bundlePath]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("exactly one of --call FILE or --input FILE");
    const bad = await runCli(["eval", "--bundle", bundlePath, "--rego", "rego", "--call", "-"], {
      stdin: '{"assistant_id":"a","tool":"get_customer","arguments":{"customer_id":"c"}}',
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"arguments" must be a string');
  });
  it("keeps deciding after many evaluations the module aborted (a lone surrogate its JSON parser refuses)", () => {
    // Each abort used to leave allocator state behind; after ~1,000 of them every
    // evaluation failed with "memory access out of bounds" until the engine was replaced.
    const fetchDoc = (url: unknown): string => JSON.stringify({
      ...input, tool: { name: "fetch_url", type: "function" }, arguments: { url }, constraints: { allowed_hosts: ["api.yourcompany.com"] },
    });
    let aborted = 0;
    for (let i = 0; i < 2000; i++) {
      try {
        engine.evaluateJson(fetchDoc("https://api.yourcompany.com/?q=\ud800"));
      } catch {
        aborted += 1;
      }
    }
    expect(aborted).toBe(2000);
    expect(engine.evaluateJson(fetchDoc(["\u{9f41e}\u{66ab0}", "https://api.yourcompany.com/"]))).toMatchObject({ effect: "deny" });
    expect(engine.evaluateJson(fetchDoc("https://api.yourcompany.com/"))).toMatchObject({ effect: "allow" });
  });
});

describe("PolicyEngine memory", () => {
  it("loads a module whose data segments do not fit the SDK's default 5 pages (320 KiB)", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "toolgate-big-"));
    try {
      await mkdir(path.join(dir, "rego"));
      // A 400 KB string constant becomes a data segment of the module.
      const big = "x".repeat(400_000);
      await writeFile(
        path.join(dir, "rego", "big.rego"),
        `package toolgate.rules\n\ndeny contains {"code": "too_big", "message": "m"} if input.arguments.text == "${big}"\n`,
      );
      await writeFile(path.join(dir, "rego", "toolgate.yaml"), "version: 1\ntools:\n  t: { effect: allow }\n");
      const out = path.join(dir, "b.tar.gz");
      await compileBundle({ regoDir: path.join(dir, "rego"), out });
      const bigEngine = await PolicyEngine.open(out);
      const doc = { ...input, tool: { name: "t", type: "function" }, constraints: {} };
      expect(bigEngine.evaluate({ ...doc, arguments: { text: big } })).toMatchObject({ effect: "deny", reasons: [{ code: "too_big" }] });
      expect(bigEngine.evaluate({ ...doc, arguments: { text: "small" } })).toMatchObject({ effect: "allow" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
