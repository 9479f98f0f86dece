// The gate compiles schemas/decision.schema.json without ajv's meta-validation
// (src/gate/validate-decision.ts): the schema itself must be valid draft-07.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { decisionProblem } from "../../src/gate/validate-decision.ts";
import { repoRoot } from "../helpers/seed-bundle.ts";

describe("the decision schema", () => {
  it("is a valid draft-07 JSON schema", async () => {
    const schema = JSON.parse(await readFile(path.join(repoRoot, "schemas", "decision.schema.json"), "utf8")) as Record<string, unknown>;
    const ajv = new Ajv({ strict: false });
    expect(ajv.validateSchema(schema), ajv.errorsText(ajv.errors)).toBe(true);
  });

  it("refuses what is not a decision", () => {
    expect(decisionProblem({ effect: "allow", reasons: [] })).toBeUndefined();
    expect(decisionProblem({ effect: "maybe", reasons: [] })).toMatch(/effect/);
    expect(decisionProblem({ effect: "sanitize", reasons: [] })).toMatch(/arguments/);
    expect(decisionProblem({ effect: "deny", reasons: [{ code: "Bad Code", message: "m" }] })).toMatch(/pattern/);
    expect(decisionProblem({ effect: "allow", reasons: [], extra: 1 })).toMatch(/additional/);
  });
});
