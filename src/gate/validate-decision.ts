import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import type { PolicyDecision } from "./decision.ts";

const schemaFile = path.resolve(import.meta.dirname, "..", "..", "schemas", "decision.schema.json");
// Our own schema, checked against the draft-07 meta-schema by test/gate/decision-schema.test.ts:
// compiling it without ajv's meta-validation halves what this costs at import.
const validator: ValidateFunction = new Ajv({ allErrors: true, strict: false, validateSchema: false }).compile(
  JSON.parse(readFileSync(schemaFile, "utf8")) as Record<string, unknown>,
);

/** Checks what the policy returned against schemas/decision.schema.json; returns the problem, if any. */
export function decisionProblem(value: unknown): string | undefined {
  if (value === undefined) return "toolgate/decision is undefined for this input";
  if (validator(value as PolicyDecision)) return undefined;
  return (validator.errors ?? []).map((e) => `decision${e.instancePath.replace(/\//g, ".")} ${e.message}`).join("; ");
}
