import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { GENERATED } from "../../scripts/generate-validators.ts";

// The validators toolgate runs without ajv at startup are ajv's own standalone
// code for schemas in this repository: each checked-in file must be what the
// generator writes now (run `node scripts/generate-validators.ts` after changing a schema).
describe("generated validators", () => {
  it.each(GENERATED.map(([file, source]) => [file, source]))("%s is up to date", (file, source) => {
    expect(readFileSync(path.resolve(import.meta.dirname, "..", "..", file), "utf8")).toBe(source());
  });
});
