// Differential test of the shipped framework: the same bundle (framework +
// rego/ with toolgate.yaml as data) decides generated tool-call inputs in
// toolgate's WASM engine and in OPA's Go evaluator (`opa eval` on the bundle's
// sources, one process per batch through a wrapper rule), and the decisions
// must be identical.
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readBundle } from "../../src/policy/bundle.ts";
import { PolicyEngine } from "../../src/policy/engine.ts";
import { opaBinary } from "../../src/policy/opa-binary.ts";
import { fuzzRuns, fuzzTimeout } from "../helpers/fuzz.ts";
import { FORMATS } from "../helpers/secret-samples.ts";
import { buildSeedBundle, repoRoot, seedTools } from "../helpers/seed-bundle.ts";

const run = promisify(execFile);

const WRAPPER = `package parity

results := {i: d |
	some i, x in input.batch
	d := data.toolgate.decision with input as x
}
`;

const hostileString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("", " ", "yourcompany.com", "a@yourcompany.com", "x@evil.com, a@yourcompany.com", "https://api.yourcompany.com/x",
    "http://api.yourcompany.com.evil.com", "2026-01-01", "2026-12-31T23:59:59Z", "2026-02-30", "4111 1111 1111 1111",
    "sk-abcdefghijklmnopqrstuvwxyz012345", "shipped", "SHIPPED", "\u0000", "%v %s %d", "1e400"),
);
const secretText = fc.tuple(fc.oneof(...FORMATS), hostileString).map(([sample, glue]) => `deploy key ${sample.written} ${glue}`);
const hostileNumber = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 0.5, 1e6, 1e21, 1e-7, 499.99, 500, 500.0000001, 100, 101, 2 ** 53, 2 ** 63, 12345678901234567000, Number.MAX_VALUE, Number.MIN_VALUE),
);
const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, hostileString, hostileNumber, fc.boolean(), fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }), fc.dictionary(hostileString, tie("value"), { maxKeys: 4 })),
})).value;

describe("the framework decides as OPA's Go evaluator does", () => {
  it("on generated tool calls for the seed tools, the WASM engine and opa eval return identical decisions", async () => {
    const bundleFile = await buildSeedBundle();
    const engine = await PolicyEngine.load(await readBundle(bundleFile));
    const config = engine.config!;
    const tools = (await seedTools()).map((t) => t.function.name);
    const argNames = ["customer_id", "query", "limit", "summary", "start_date", "end_date", "status", "amount", "order_id",
      "recipient_count", "to", "recipients", "text", "url", "subject", "body", "channel"];
    const constraintsOf = (tool: string): Record<string, unknown> => (config.tools?.[tool]?.constraints ?? {}) as Record<string, unknown>;
    const constraintKinds = [...new Set(tools.flatMap((t) => Object.keys(constraintsOf(t))))];
    const input = fc.record({
      version: fc.constantFrom(1, 1, 1, 2),
      surface: fc.constantFrom("chat", "responses", "assistants", "agents", "cli"),
      assistant_id: fc.constantFrom("asst_support", "asst_cautious", "asst_test", ""),
      call_id: fc.constantFrom("c1", ""),
      tool: fc.oneof(
        fc.record({ name: fc.constantFrom(...tools, "unknown_tool"), type: fc.constant("function") }),
        fc.record({ name: fc.constantFrom("get_contact", "search_docs", "x"), type: fc.constant("mcp"), server_label: fc.constantFrom("crm", "deepwiki", "other") }),
      ),
      arguments: fc.oneof(
        fc.dictionary(fc.oneof(fc.constantFrom(...argNames), hostileString), hostileValue, { maxKeys: 5 }),
        // well-formed calls too, so that every effect (sanitize: a secret in text) is reached
        fc.record({ text: fc.oneof(secretText, hostileString), channel: fc.constantFrom("#ops", "") }),
      ),
      // the constraints of the called tool (null) or of another seed tool, with some replaced
      constraintsFrom: fc.option(fc.constantFrom(...tools)),
      overrides: fc.dictionary(fc.constantFrom(...constraintKinds), hostileValue, { maxKeys: 2 }),
      context: fc.dictionary(fc.constantFrom("user", "tenant", "environment"), hostileValue, { maxKeys: 2 }),
    }).map(({ constraintsFrom, overrides, ...doc }) => ({
      ...doc,
      constraints: { ...constraintsOf(constraintsFrom ?? doc.tool.name), ...overrides },
    }));
    const inputs = fc.sample(input, { numRuns: fuzzRuns(), seed: 20261129 });

    const wasm = inputs.map((doc) => engine.evaluate(doc));

    // The bundle's sources for Go: the repository's Rego files the bundle was
    // built from (the bundle holds them rewritten by opa build's optimizer)
    // and the bundle's data.json (toolgate.yaml and what compileBundle adds).
    const dir = await mkdtemp(path.join(tmpdir(), "toolgate-parity-"));
    const sources = path.join(dir, "bundle");
    await mkdir(sources);
    await run("tar", ["xzf", bundleFile, "-C", sources, "/data.json"]);
    const listing = (await run("tar", ["tzf", bundleFile])).stdout.split("\n");
    const regoFiles = listing.map((f) => f.replace(/^\//, "")).filter((f) => /^(framework|rego)\/.*\.rego$/.test(f));
    expect(regoFiles.length).toBeGreaterThan(5);
    for (const file of regoFiles) {
      const target = path.join(sources, "src", file);
      await mkdir(path.dirname(target), { recursive: true });
      await copyFile(path.join(repoRoot, file), target);
    }
    await writeFile(path.join(dir, "wrapper.rego"), WRAPPER);
    // Batches of at most 2,500 inputs, two opa processes at a time: bounded
    // memory per process at any FUZZ_SCALE, and the two cores kept busy.
    const size = 2_500;
    const batches = Math.ceil(inputs.length / size);
    const evalBatch = async (b: number): Promise<unknown[]> => {
      const file = path.join(dir, `batch-${b}.json`);
      const rows = inputs.slice(b * size, (b + 1) * size);
      await writeFile(file, JSON.stringify({ batch: rows }));
      const { stdout } = await run(opaBinary(), ["eval", "-f", "json", "-d", sources, "-d", path.join(dir, "wrapper.rego"), "-i", file, "data.parity.results"],
        { maxBuffer: 1 << 30 });
      const value = (JSON.parse(stdout) as { result: Array<{ expressions: Array<{ value: Record<string, unknown> }> }> }).result[0]!.expressions[0]!.value;
      return rows.map((_, i) => value[String(i)]);
    };
    const goBatches: unknown[][] = [];
    for (let b = 0; b < batches; b += 2) {
      goBatches.push(...(await Promise.all([b, b + 1].filter((x) => x < batches).map(evalBatch))));
    }
    const go = goBatches.flat();

    expect(go).toHaveLength(inputs.length);
    const differences = inputs.flatMap((doc, i) =>
      JSON.stringify(canonical(wasm[i])) === JSON.stringify(canonical(go[i])) ? [] : [{ input: doc, wasm: wasm[i], go: go[i] }]);
    expect(differences.slice(0, 3)).toEqual([]);
    const effects = new Set(go.map((d) => (d as { effect?: string } | undefined)?.effect));
    expect([...effects].sort()).toEqual(["allow", "deny", "require_approval", "sanitize"]);
  }, fuzzTimeout());
});

/** Objects with their keys in one order (Go's JSON sorts them; the WASM keeps insertion order); arrays as they are. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}
