// The tool-name lint against what the policy reads: for generated toolgate.yaml
// files (block and flow style, plain and quoted keys, anchors and aliases
// shared between assistants), every tool name the policy will read
// (`tools:` and `assistants.*.tools:` of the bundle's JSON) that tools.json does
// not declare is refused exactly once per place it applies, located at a line
// and column where that name is written; nothing declared is refused.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parsePolicyConfig } from "../../src/policy/config.ts";
import { lintConfigTools } from "../../src/policy/config-lint.ts";
import { fuzzRuns, fuzzTimeout } from "../helpers/fuzz.ts";
import { shippedTools } from "./reload-helpers.ts";

const declaredNames = (await shippedTools()).map((t) => t.function.name);
const declared = { names: new Set(declaredNames), parameters: new Map(), source: "tools.json" };
const NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-".split("");

const typo = fc
  .tuple(fc.constantFrom(...declaredNames), fc.nat(), fc.constantFrom(...NAME_CHARS), fc.constantFrom("insert", "delete", "replace"))
  .map(([name, at, ch, how]) => {
    const i = at % name.length;
    if (how === "insert") return name.slice(0, i) + ch + name.slice(i);
    if (how === "delete") return name.length > 1 ? name.slice(0, i) + name.slice(i + 1) : ch;
    return name.slice(0, i) + ch + name.slice(i + 1);
  });
const toolName = fc
  .oneof(
    { weight: 4, arbitrary: fc.constantFrom(...declaredNames) },
    { weight: 2, arbitrary: typo },
    { weight: 1, arbitrary: fc.array(fc.constantFrom(...NAME_CHARS), { minLength: 1, maxLength: 20 }).map((c) => c.join("")) },
  )
  .filter((name) => name !== "__proto__");
const toolEntry = fc.record({ effect: fc.constantFrom("allow", "deny") });
const override = fc.oneof(fc.record({ constraints: fc.record({ max_amount: fc.nat(1000) }) }), toolEntry);
const toolsMap = <T>(entry: fc.Arbitrary<T>) => fc.dictionary(toolName, entry, { maxKeys: 6 });

const config = fc
  .record({
    tools: toolsMap(toolEntry),
    assistants: fc.dictionary(fc.constantFrom("asst_a", "asst_b", "asst_c"), fc.record({ tools: toolsMap(override) }), { maxKeys: 3 }),
    share: fc.boolean(),
  })
  .map(({ tools, assistants, share }) => {
    // The same object twice: yaml.stringify writes an anchor and an alias.
    const ids = Object.keys(assistants);
    if (share && ids.length >= 2) assistants[ids[1]!] = assistants[ids[0]!]!;
    return { version: 1, tools, assistants };
  });
const style = fc.record({
  collectionStyle: fc.constantFrom("any", "block", "flow") as fc.Arbitrary<"any" | "block" | "flow">,
  defaultKeyType: fc.constantFrom(null, "PLAIN", "QUOTE_DOUBLE", "QUOTE_SINGLE") as fc.Arbitrary<null | "PLAIN" | "QUOTE_DOUBLE" | "QUOTE_SINGLE">,
  indent: fc.integer({ min: 2, max: 4 }),
});

describe("tool-name lint (property)", () => {
  it(
    "refuses exactly the undeclared names the policy reads, each located where it is written",
    async () => {
      await fc.assert(
        fc.asyncProperty(config, style, async (cfg, options) => {
          const source = stringify(cfg, options);
          const loaded = await parsePolicyConfig(source, "toolgate.yaml");
          // What the policy reads: the config as it goes into the bundle (data.toolgate.config).
          const truth = JSON.parse(JSON.stringify(loaded.config)) as {
            tools?: Record<string, unknown>;
            assistants?: Record<string, { tools?: Record<string, unknown> }>;
          };
          const places = [
            ...Object.keys(truth.tools ?? {}).map((name) => ({ where: "tools", name })),
            ...Object.entries(truth.assistants ?? {}).flatMap(([id, a]) =>
              Object.keys(a.tools ?? {}).map((name) => ({ where: `assistants.${id}.tools`, name })),
            ),
          ];
          const expected = places.filter((p) => !declared.names.has(p.name)).map((p) => `${p.where} ${p.name}`).sort();

          const { errors, warnings } = lintConfigTools(loaded, declared, "toolgate.yaml");
          const lines = source.split("\n");
          const got = errors.map((e) => {
            expect(e.code).toBe("config_tool_not_declared");
            const [, where, name] = /^(\S+) names tool "([^"]*)"/.exec(e.message)! as unknown as [string, string, string];
            const at = (lines[e.location!.row - 1] ?? "").slice(e.location!.col - 1);
            expect([name, `"${name}"`, `'${name}'`].some((written) => at.startsWith(written)), `${name} at ${at}`).toBe(true);
            return `${where} ${name}`;
          });
          expect(got.sort()).toEqual(expected);

          const topLevel = new Set(Object.keys(truth.tools ?? {}));
          const mentioned = new Set(places.map((p) => p.name));
          const notConfigured = declaredNames.filter((n) => !mentioned.has(n)).sort();
          expect(warnings.filter((w) => w.code === "tool_not_configured").map((w) => /tool "([^"]*)"/.exec(w.message)![1])).toEqual(notConfigured);
          const orphans = places.filter((p) => p.where !== "tools" && declared.names.has(p.name) && !topLevel.has(p.name));
          expect(warnings.filter((w) => w.code === "override_without_tool")).toHaveLength(orphans.length);
        }),
        { numRuns: fuzzRuns() },
      );
    },
    fuzzTimeout(),
  );
});
