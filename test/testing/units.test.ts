import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCaseFile } from "../../src/testing/case-file.ts";
import { keyedDiff } from "../../src/testing/diff.ts";
import { blankLines, entrypointOf, parseRegoSource, ruleAt } from "../../src/testing/rego-source.ts";

const dir = await mkdtemp(path.join(tmpdir(), "toolgate-units-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("rego-source", () => {
  const text = [
    "package toolgate.rules_test", // 1
    "",
    "_helper(x) := x + 1", // 3
    "",
    "test_one if {", // 5
    "\ts := `", // 6
    "test_not_a_rule", // 7: inside a raw string
    "`",
    "\tcount(s) > 0",
    "}", // 10
    "",
    "# a comment",
    "todo_test_later if false", // 13
    "",
  ].join("\n");
  const src = parseRegoSource(text);

  it("finds the package, rules with line ranges, tests and todo tests", () => {
    expect(src.package).toBe("toolgate.rules_test");
    expect(src.rules.map((r) => [r.name, r.line, r.endLine])).toEqual([
      ["_helper", 3, 3],
      ["test_one", 5, 10],
      ["todo_test_later", 13, 13],
    ]);
    expect(src.tests.map((t) => [t.name, t.skip])).toEqual([
      ["test_one", false],
      ["todo_test_later", true],
    ]);
    expect(entrypointOf(src.package, "test_one")).toBe("toolgate/rules_test/test_one");
    expect(ruleAt(src.tests, 8)?.name).toBe("test_one");
    expect(ruleAt(src.tests, 11)).toBeUndefined();
  });

  it("blanks a rule keeping every other line where it was", () => {
    const blanked = blankLines(text, 5, 10).split("\n");
    expect(blanked).toHaveLength(text.split("\n").length);
    expect(blanked[12]).toBe("todo_test_later if false");
    expect(blanked.slice(4, 10).every((l) => l === "")).toBe(true);
  });
});

describe("case files", () => {
  const load = async (name: string, text: string) => {
    const file = path.join(dir, name);
    await writeFile(file, text);
    return loadCaseFile(file);
  };

  it("reads YAML and JSON, expectation shorthand and object arguments", async () => {
    const yaml = await load("a.yaml", "cases:\n  - id: x\n    assistant_id: a\n    tool: t\n    arguments: '{}'\n    expect: allow\n");
    expect(yaml[0]).toMatchObject({ id: "x", arguments: "{}", expect: { effect: "allow" }, line: 2 });
    const json = await load("b.json", JSON.stringify([{ id: "y", assistant_id: "a", tool: "t", arguments: { n: 1 }, expect: { effect: "deny", reasons: ["r"] } }]));
    expect(json[0]).toMatchObject({ arguments: '{"n":1}', expect: { effect: "deny", reasons: ["r"] } });
  });

  it("reads a hosted MCP tool reference, keeping a malformed one for the gate to refuse", async () => {
    const cases = await load(
      "mcp.yaml",
      "cases:\n  - {id: m, assistant_id: a, tool: {type: mcp, server_label: crm, name: get_customer}, arguments: '{}', expect: allow}\n" +
        "  - {id: f, assistant_id: a, tool: {type: function, name: get_customer}, arguments: '{}', expect: allow}\n" +
        "  - {id: e, assistant_id: a, tool: {type: mcp, server_label: '', name: get_customer}, arguments: '{}', expect: deny}\n",
    );
    expect(cases.map((c) => [c.tool, c.tool_type, c.server_label])).toEqual([
      ["get_customer", "mcp", "crm"],
      ["get_customer", "function", undefined],
      ["get_customer", "mcp", ""],
    ]);
  });

  it.each([
    ["missing expect", "cases:\n  - id: x\n    assistant_id: a\n    tool: t\n    arguments: '{}'\n", /:2: case "x": expect is required/],
    ["arguments not a string", "cases:\n  - id: x\n    assistant_id: a\n    tool: t\n    arguments: 5\n    expect: allow\n", /:5: case "x": arguments must be the raw JSON string/],
    ["duplicate id", "cases:\n  - {id: x, assistant_id: a, tool: t, arguments: '{}', expect: allow}\n  - {id: x, assistant_id: a, tool: t, arguments: '{}', expect: allow}\n", /:3: case "x": id repeats the id of case #1/],
    ["unknown expectation", "cases:\n  - id: x\n    assistant_id: a\n    tool: t\n    arguments: '{}'\n    expect: { effect: allow, reason: [a] }\n", /case "x": expect\.reason is not an expectation/],
    ["bad redacted", "cases:\n  - id: x\n    assistant_id: a\n    tool: t\n    arguments: '{}'\n    expect: { effect: sanitize, redacted: { path: text } }\n", /expect\.redacted\.must_not_contain must be/],
    ["no cases", "tests: []\n", /unknown top-level key "tests"/],
    ["a tool reference with an unknown type", "cases:\n  - id: x\n    assistant_id: a\n    tool: { type: hosted, name: t }\n    arguments: '{}'\n    expect: allow\n", /:4: case "x": tool must be .*\.type must be one of function, mcp/],
    ["a tool reference with an unknown field", "cases:\n  - id: x\n    assistant_id: a\n    tool: { type: mcp, server: crm, name: t }\n    arguments: '{}'\n    expect: allow\n", /case "x": tool must be .*unknown field "server"/],
    ["not YAML", "cases: [\n", /not valid YAML\/JSON/],
  ])("rejects %s with file:line, case and field", async (_label, text, message) => {
    await expect(load("bad.yaml", text)).rejects.toThrow(message);
  });

  it("reports every bad case of a file at once, not only the first", async () => {
    const text = [
      "cases:",
      "  - {id: a, assistant_id: x, tool: t, arguments: 5, expect: allow}",
      "  - {id: b, assistant_id: x, tool: t, arguments: '{}', expect: allow}",
      "  - {id: c, assistant_id: x, tool: t, arguments: '{}', expect: maybe}",
      "  - {id: d, assistant_id: x, tool: t, arguments: '{}', expecct: allow}",
      "",
    ].join("\n");
    const err = (await load("many.yaml", text).catch((e: unknown) => e)) as { code: string; problems: string[]; message: string };
    expect(err.code).toBe("case_file_invalid");
    expect(err.problems).toEqual([
      expect.stringMatching(/many\.yaml:2: case "a": arguments must be/),
      expect.stringMatching(/many\.yaml:4: case "c": expect must be one of/),
      expect.stringMatching(/many\.yaml:5: case "d": expecct is not a case field/),
    ]);
    expect(err.message).toMatch(/^3 problems in case files:/);
  });
});

describe("keyedDiff", () => {
  it("marks differing keys with - expected / + actual", () => {
    expect(keyedDiff({ effect: "deny", reasons: ["a"] }, { effect: "allow", reasons: ["a"] })).toEqual([
      '- effect: "deny"',
      '+ effect: "allow"',
      '  reasons: ["a"]',
    ]);
  });
});
