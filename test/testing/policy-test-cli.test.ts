import { XMLParser, XMLValidator } from "fast-xml-parser";
import { afterEach, describe, expect, it } from "vitest";
import path from "node:path";
import { lastLine, policy, policyCopy, repoRoot } from "./helpers.ts";

const copies: Array<{ remove: () => Promise<void> }> = [];
async function copy() {
  const c = await policyCopy();
  copies.push(c);
  return c;
}
afterEach(async () => {
  await Promise.all(copies.splice(0).map((c) => c.remove()));
});

interface JUnitCase {
  "@_name": string;
  "@_file": string;
  "@_line": string;
  failure?: { "@_message": string; "#text": string };
  error?: { "@_message": string; "#text": string };
}

function parseJunit(xml: string) {
  expect(XMLValidator.validate(xml)).toBe(true);
  const doc = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === "testsuite" || name === "testcase" }).parse(xml) as {
    testsuites: { "@_tests": string; "@_failures": string; "@_errors": string; testsuite: Array<{ "@_name": string; testcase: JUnitCase[] }> };
  };
  const cases = doc.testsuites.testsuite.flatMap((s) => s.testcase);
  return { root: doc.testsuites, cases };
}

describe("policy test on the repo's own policy", () => {
  it("passes the Rego tests and the seed cases by default, with the summary line last", async () => {
    const c = await copy();
    const run = await policy(["test"], c.dir);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(lastLine(run.stdout)).toMatch(/^\d+ passed, 0 failed$/);
    expect(run.stdout).toMatch(/wall time \d+\.\d\ds \(build \d+\.\d\ds\)/);
  });

  it("runs the framework's own tests when asked", async () => {
    const c = await copy();
    const run = await policy(["test", path.join(repoRoot, "framework"), "rego", "test/cases"], c.dir);
    expect(run.code).toBe(0);
    expect(lastLine(run.stdout)).toMatch(/^\d+ passed, 0 failed$/);
  });
});

describe("deliberately broken policies fail readably", () => {
  it("a changed threshold in toolgate.yaml fails the seed cases with a diff, exit 1 and valid JUnit", async () => {
    const c = await copy();
    await c.edit("rego/toolgate.yaml", "constraints: { max_amount: 500 }", "constraints: { max_amount: 1000 }");
    const run = await policy(["test"], c.dir);
    expect(run.code).toBe(1);
    // Counts follow the policy's size; what matters is exactly one failure.
    const passed = Number(/^(\d+) passed, 1 failed$/.exec(lastLine(run.stdout))?.[1]);
    expect(passed).toBeGreaterThan(0);
    expect(run.stdout).toContain("FAIL  test/cases/seed.yaml#refund-over  test/cases/seed.yaml:");
    expect(run.stdout).toContain("effect: expected deny, got allow");
    expect(run.stdout).toContain('call: asst_zzz -> refund_order({"order_id":"o-1","amount":500.01})');
    expect(run.stdout).toMatch(/- effect: "deny"\n\s+\+ effect: "allow"\n\s+- reasons: \["max_amount_exceeded"\]\n\s+\+ reasons: \[\]/);

    const junit = await policy(["test", "--reporter", "junit"], c.dir);
    expect(junit.code).toBe(1);
    const { root, cases } = parseJunit(junit.stdout);
    expect(root["@_failures"]).toBe("1");
    expect(root["@_tests"]).toBe(String(passed + 1));
    const failed = cases.filter((t) => t.failure);
    expect(failed.map((t) => t["@_name"])).toEqual(["refund-over"]);
    expect(failed[0]!.failure!["#text"]).toContain(`+ effect: "allow"`);
    expect(lastLine(junit.stderr)).toBe(`${passed} passed, 1 failed`);
  });

  it("an inverted condition in a custom Rego rule fails its unit tests with file:line, exit 1 and valid JUnit", async () => {
    const c = await copy();
    await c.edit("rego/support_desk.rego", 'input.tool.name == "send_email"', 'input.tool.name != "send_email"');
    const run = await policy(["test"], c.dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL  data\.toolgate\.rules_test\.test_many_recipients_need_approval  rego\/support_desk_test\.rego:18/);
    expect(run.stdout).toContain("the test rule is undefined");
    expect(lastLine(run.stdout)).toMatch(/^\d+ passed, [1-9]\d* failed$/);

    const junit = await policy(["test", "--reporter", "junit"], c.dir);
    const { cases } = parseJunit(junit.stdout);
    const failed = cases.filter((t) => t.failure).map((t) => `${t["@_name"]}@${t["@_file"]}:${t["@_line"]}`);
    expect(failed).toContain("data.toolgate.rules_test.test_many_recipients_need_approval@rego/support_desk_test.rego:18");
    expect(failed).toContain("data.toolgate.rules_test.test_other_tools_not_checked@rego/support_desk_test.rego:37");
  });

  it("TAP output is well-formed: version, plan, numbered points, YAML diagnostics", async () => {
    const c = await copy();
    await c.edit("rego/toolgate.yaml", "constraints: { max_amount: 500 }", "constraints: { max_amount: 1000 }");
    const run = await policy(["test", "--reporter", "tap"], c.dir);
    expect(run.code).toBe(1);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("TAP version 14");
    const plan = /^1\.\.(\d+)$/.exec(lines[1]!);
    expect(plan).not.toBeNull();
    const points = lines.filter((l) => /^(not )?ok \d+ /.test(l));
    expect(points).toHaveLength(Number(plan![1]));
    points.forEach((p, i) => expect(p).toMatch(new RegExp(`^(not )?ok ${i + 1} - `)));
    const failing = lines.findIndex((l) => l.startsWith("not ok"));
    expect(lines[failing]).toContain("refund-over");
    expect(lines[failing + 1]).toBe("  ---");
    expect(lines.slice(failing + 1).indexOf("  ...")).toBeGreaterThan(0);
    // Only TAP lines: test points, diagnostics (indented) and comments.
    for (const l of lines.slice(2)) expect(l).toMatch(/^((not )?ok \d+ - |  |# )/);
    expect(lines.at(-1)).toMatch(/^# \d+ passed, 1 failed$/);
    expect(points.filter((p) => p.startsWith("not ok"))).toHaveLength(1);
  });
});

describe("errors and options", () => {
  it("exit 2 with file:line for a policy that does not build", async () => {
    const c = await copy();
    await c.edit("rego/support_desk.rego", "_addresses_in(arguments, field) := count(arguments[field]) if {", "_addresses_in(arguments, field) := count(arguments[field]) if {{");
    const run = await policy(["test"], c.dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/rego\/support_desk\.rego:\d+/);
    expect(run.stdout).toBe("");
  });

  it("exit 2 naming file, case and field for an invalid case file", async () => {
    const c = await copy();
    await c.edit("test/cases/seed.yaml", "      effect: require_approval", "      effect: approve");
    const run = await policy(["test"], c.dir);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^policy: test\/cases\/seed\.yaml:102: case "email-blast-large": expect\.effect must be one of allow, deny, sanitize, require_approval\n$/);

    await c.write("test/cases/more.yaml", "cases:\n  - id: typo\n    assistant_id: a\n    tool: get_customer\n    argument: '{}'\n    expect: allow\n");
    const typo = await policy(["test", "test/cases/more.yaml"], c.dir);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('test/cases/more.yaml:5: case "typo": argument is not a case field');
  });

  it("--coverage explains the alternative (opa test --coverage) instead of an unknown-option error", async () => {
    const c = await copy();
    const run = await policy(["test", "--coverage"], c.dir);
    expect(run.code).toBe(2);
    expect(run.stderr).not.toContain("unknown option");
    expect(run.stderr).toContain("policy test has no --coverage");
    expect(run.stderr).toContain("opa test --coverage <framework dir> <policy dir> --ignore tools.json --ignore toolgate.yaml");
  });

  it("a test that cannot compile to WASM is an error with the reason; the other tests still run", async () => {
    const c = await copy();
    await c.write(
      "rego/wasm_test.rego",
      [
        "package toolgate.wasm_test",
        "",
        "test_fine if {",
        "\t1 + 1 == 2",
        "}",
        "",
        "test_needs_http if {",
        '\thttp.send({"method": "GET", "url": "http://localhost"}).status_code == 200',
        "}",
        "",
        "test_also_fine if {",
        '\tupper("a") == "A"',
        "}",
        "",
      ].join("\n"),
    );
    await c.write(
      "rego/helper_test.rego",
      [
        "package toolgate.helper_test",
        "",
        "_decide(doc) := d if {",
        "\td := data.toolgate.decision with input as doc",
        "}",
        "",
        "test_uses_helper if {",
        '\t_decide({}).effect == "deny"',
        "}",
        "",
      ].join("\n"),
    );
    const run = await policy(["test", "--reporter", "json"], c.dir);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { results: Array<{ name: string; status: string; message?: string }>; summary: Record<string, number> };
    const byName = new Map(report.results.map((r) => [r.name, r]));
    expect(byName.get("data.toolgate.wasm_test.test_fine")?.status).toBe("pass");
    expect(byName.get("data.toolgate.wasm_test.test_also_fine")?.status).toBe("pass");
    expect(byName.get("data.toolgate.wasm_test.test_needs_http")).toMatchObject({ status: "error" });
    expect(byName.get("data.toolgate.wasm_test.test_needs_http")?.message).toMatch(/rego\/wasm_test\.rego:8: .*http\.send/);
    expect(byName.get("data.toolgate.helper_test.test_uses_helper")).toMatchObject({ status: "error" });
    expect(byName.get("data.toolgate.helper_test.test_uses_helper")?.message).toContain("used as reference, not called");
    expect(report.summary).toMatchObject({ failed: 0, errors: 2 });
    expect(lastLine(run.stderr)).toBe(`${report.summary.passed} passed, 0 failed, 2 errors`);
  });

  it("--run filters, --bail stops at the first failure, todo_ tests are skipped", async () => {
    const c = await copy();
    const filtered = await policy(["test", "--run", "^test/cases/seed.yaml#refund"], c.dir);
    expect(lastLine(filtered.stdout)).toBe("5 passed, 0 failed");

    await c.edit("rego/toolgate.yaml", "constraints: { max_amount: 500 }", "constraints: { max_amount: 1 }");
    const bail = await policy(["test", "--bail", "--reporter", "json"], c.dir);
    expect(bail.code).toBe(1);
    const report = JSON.parse(bail.stdout) as { bailed: boolean; summary: { failed: number }; results: unknown[] };
    expect(report.bailed).toBe(true);
    expect(report.summary.failed).toBe(1);

    await c.write("rego/todo_test.rego", "package toolgate.todo_test\n\ntodo_test_later if {\n\tfalse\n}\n");
    const skipped = await policy(["test", "rego"], c.dir);
    expect(lastLine(skipped.stdout)).toMatch(/^\d+ passed, 0 failed, 1 skipped$/);
  });

  it("--compare-opa reports a test whose verdict differs between opa test (Go) and WASM", async () => {
    const c = await copy();
    // OPA's Go format_int takes an integer above 64 bits; the WASM target's cannot (an evaluation error).
    await c.write(
      "rego/parity_test.rego",
      'package toolgate.parity_test\n\ntest_big_integer if {\n\tformat_int(18446744073709551616, 16) == "10000000000000000"\n}\n\ntest_same if {\n\tregex.replace("abc", `b`, "x") == "axc"\n}\n',
    );
    const run = await policy(["test", "rego", "--compare-opa"], c.dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("FAIL  data.toolgate.parity_test.test_big_integer  rego/parity_test.rego:3");
    expect(run.stdout).toContain("verdicts differ: WASM error, opa test (Go) pass");
    expect(run.stdout).not.toMatch(/FAIL  data\.toolgate\.parity_test\.test_same/);
    expect(lastLine(run.stdout)).toMatch(/^\d+ passed, 1 failed, 1 errors?$/);
  });
});
