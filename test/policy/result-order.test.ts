// Sets in a result come back as arrays sorted the way OPA's Go evaluator sorts
// them (item 4 of issue #13), whatever order the WASM module's hash table
// holds them in: decisions compare equal across runtimes and revisions.
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readBundle } from "../../src/policy/bundle.ts";
import { compileBundle } from "../../src/policy/compile.ts";
import { PolicyEngine } from "../../src/policy/engine.ts";
import { opaBinary } from "../../src/policy/opa-binary.ts";
import { readResultSet } from "../../src/policy/result-value.ts";
import { openTool } from "../helpers/constraint-gate.ts";
import { repoRoot } from "../helpers/seed-bundle.ts";

const TAGS = ["zz", "b", "a", "é", "A", "10", "9", "😀", "\uffff"];
const GO_ORDER = ["10", "9", "A", "a", "b", "zz", "é", "\uffff", "😀"];

describe("sets in results are sorted as Go sorts values", () => {
  it("reads a Rego-text result: sets sorted (code point order, kinds null < boolean < number < string < array < object < set)", () => {
    const value = readResultSet('{{"result": {"s": {"b", 2, "a", 1.5, "\\uffff", "😀", [1], {"k": 1}, null, true, set()}, "o": {1: "x"}}}}');
    expect(value).toEqual([{ result: { s: [null, true, 1.5, 2, "a", "b", "\uffff", "😀", [1], { k: 1 }, []], o: { "1": "x" } } }]);
    expect(readResultSet("set()")).toEqual([]);
  });

  it("keeps a \"__proto__\" key an own key, on the JSON path and on the Rego path", () => {
    for (const text of ['{{"result": {"__proto__": [1]}}}', '{{"result": {"__proto__": [1], "s": {1}}}}']) {
      const [{ result }] = readResultSet(text) as [{ result: Record<string, unknown> }];
      expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
      expect(Object.keys(result)[0]).toBe("__proto__");
      expect(Object.getOwnPropertyDescriptor(result, "__proto__")?.value).toEqual([1]);
    }
  });

  it("a custom sanitize rule's set value comes back from the engine in the order opa eval (Go) returns it", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "toolgate-order-"));
    const regoDir = path.join(dir, "rego");
    await mkdir(regoDir);
    await writeFile(path.join(regoDir, "toolgate.yaml"), "version: 1\ntools:\n  tag_item: { effect: allow }\n");
    await writeFile(path.join(regoDir, "tools.json"), JSON.stringify([openTool("tag_item")]));
    const rules = 'package toolgate.rules\n\nsanitize contains {"code": "tags_deduplicated", "message": "tags as a set", "field": "tags", "value": {t | some t in input.arguments.tags}}\n';
    await writeFile(path.join(regoDir, "tags.rego"), rules);
    const out = path.join(dir, "bundle.tar.gz");
    await compileBundle({ regoDir, out });
    const engine = await PolicyEngine.load(await readBundle(out));
    const input = {
      version: 1, surface: "chat", assistant_id: "a", call_id: "c", tool: { name: "tag_item", type: "function" },
      arguments: { tags: TAGS }, constraints: {}, context: {},
    };
    const wasm = engine.evaluate(input) as { effect: string; arguments: { tags: string[] } };
    await writeFile(path.join(dir, "input.json"), JSON.stringify(input));
    const dataFile = path.join(dir, "data.json");
    await writeFile(dataFile, JSON.stringify(engine.bundle.data));
    const goOut = execFileSync(opaBinary(), ["eval", "-f", "json", "-d", path.join(repoRoot, "framework"), "-d", path.join(regoDir, "tags.rego"), "-d", dataFile,
      "-i", path.join(dir, "input.json"), "data.toolgate.decision"], { encoding: "utf8" });
    const go = (JSON.parse(goOut) as { result: Array<{ expressions: Array<{ value: { arguments: { tags: string[] } } }> }> }).result[0]!.expressions[0]!.value;
    expect(wasm.effect).toBe("sanitize");
    expect(wasm.arguments.tags).toEqual(GO_ORDER);
    expect(go.arguments.tags).toEqual(GO_ORDER);
  });
});
