// The categories, checked on small cases through the real opa build and PolicyEngine.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CAPABILITIES_FILE } from "../../src/policy/package-files.ts";
import { opaBinary } from "../../src/policy/opa-binary.ts";
import type { ConformanceCase } from "./conformance-case.ts";
import { runCase, type CaseRunner } from "./run-case.ts";

let runner: CaseRunner;
beforeAll(async () => {
  runner = { opa: opaBinary(), capabilities: CAPABILITIES_FILE, work: await mkdtemp(path.join(tmpdir(), "conformance-test-")) };
});
afterAll(async () => {
  await rm(runner.work, { recursive: true, force: true });
});

const wrap = (vars: string[], query: string): string =>
  `package toolgate\n\ndecision contains {${vars.map((v) => `"${v}": ${v}`).join(", ")}} if {\n${query}\n}\n`;

function conformanceCase(fields: Partial<ConformanceCase> & { query: string; vars: string[] }): ConformanceCase {
  const { vars, ...rest } = fields;
  return { id: "t", file: "t.yaml", modules: [], builtins: [], wrapper: wrap(vars, fields.query), ...rest };
}

const conflicting = "package t\n\np := 1 if input.a\n\np := 2 if input.a\n";

describe("runCase", () => {
  it("passes a result OPA gives, bindings compared as a set, with input and data", async () => {
    const c = conformanceCase({
      query: "x := input.a + data.b; y := [1, 2][_]",
      vars: ["x", "y"],
      input: { a: 1 },
      data: { b: 2 },
      want_result: [{ x: 3, y: 2 }, { x: 3, y: 1 }],
    });
    expect(await runCase(runner, c)).toEqual({ id: "t", category: "pass", reason: "" });
  });

  it("calls a different result without an error wrong, and checks want_defined", async () => {
    const wrong = await runCase(runner, conformanceCase({ query: "x := 1", vars: ["x"], want_result: [{ x: 2 }] }));
    expect(wrong.category).toBe("wrong");
    expect(wrong.reason).toContain('want [{"x":2}], got [{"x":1}]');
    expect((await runCase(runner, conformanceCase({ query: "1 > 2", vars: [], want_defined: false }))).category).toBe("pass");
    expect((await runCase(runner, conformanceCase({ query: "1 > 2", vars: [], want_defined: true }))).category).toBe("wrong");
  });

  it("refuses a case calling a builtin toolgate does not provide, naming it", async () => {
    const c = conformanceCase({ query: 'x := net.lookup_ip_addr("localhost")', vars: ["x"], want_defined: true });
    expect(await runCase(runner, c)).toMatchObject({ category: "refused", missing: ["net.lookup_ip_addr"] });
  });

  it("passes an evaluation error OPA raises too, and calls one it does not raise threw", async () => {
    const base = { query: "x := data.t.p", vars: ["x"], modules: [conflicting], input: { a: true } };
    expect((await runCase(runner, conformanceCase({ ...base, want_error_code: "eval_conflict_error" }))).category).toBe("pass");
    expect((await runCase(runner, conformanceCase({ ...base, want_result: [{ x: 1 }] }))).category).toBe("threw");
  });

  it("expects an empty result of a strict-error case (WASM has no strict builtin errors)", async () => {
    const c = conformanceCase({ query: "x := 1 / 0", vars: ["x"], want_error_code: "eval_builtin_error", strict_error: true });
    expect((await runCase(runner, c)).category).toBe("pass");
  });

  it("skips a wrong result whose input held a set, which JSON input cannot carry", async () => {
    const c = conformanceCase({ query: "input.s[{1}]", vars: [], input: { s: [[1]] }, input_has_set: true, want_defined: true });
    expect((await runCase(runner, c)).category).toBe("skipped");
  });
});
