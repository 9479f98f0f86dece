import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/run-cli.ts";
import { buildSeedBundle, repoRoot, seedCases, type SeedCase } from "./helpers/seed-bundle.ts";

interface EvalLine {
  id: string;
  effect: string;
  reasons: Array<{ code: string }>;
  arguments: Record<string, unknown>;
  revision: string;
}

describe("the 24 seed cases through `policy eval --call`", () => {
  let bundle: string;
  let cases: SeedCase[];
  let decisions: Map<string, EvalLine>;

  beforeAll(async () => {
    bundle = await buildSeedBundle();
    cases = await seedCases();
    const file = path.join(await mkdtemp(path.join(tmpdir(), "toolgate-seed-")), "cases.jsonl");
    await writeFile(file, cases.map((c) => JSON.stringify(c)).join("\n"));
    const result = await runCli(["eval", "--call", file, "--bundle", bundle, "--rego", path.join(repoRoot, "rego"), "--format", "json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    decisions = new Map(result.stdout.trim().split("\n").map((line) => {
      const d = JSON.parse(line) as EvalLine;
      return [d.id, d];
    }));
  });

  it("decides every case", () => {
    expect(cases).toHaveLength(24);
    expect([...decisions.keys()].sort()).toEqual(cases.map((c) => c.id).sort());
  });

  it.each([
    "get-customer", "unknown-tool", "delete-customer", "modify-pricing", "refund-under", "refund-over",
    "refund-support-over", "refund-admin-large", "refund-string-amount", "status-ok", "status-bad",
    "status-admin-any", "analytics-89d", "analytics-120d", "email-blast-small", "email-blast-large",
    "email-internal", "email-external", "slack-secret", "slack-clean", "fetch-allowed", "fetch-denied",
    "malformed-json", "hallucinated-field",
  ])("%s gets its expected effect", (id) => {
    const expected = cases.find((c) => c.id === id)!;
    const decision = decisions.get(id)!;
    expect(decision.effect).toBe(expected.expect);
    expect(decision.revision).toMatch(/^[0-9a-f]{16}$/);
    if (decision.effect === "deny") expect(decision.reasons.length).toBeGreaterThan(0);
  });

  it("the sanitized call's effective arguments no longer contain the secret", () => {
    const seed = cases.find((c) => c.redacted)!;
    const decision = decisions.get(seed.id)!;
    const value = decision.arguments[seed.redacted!.path];
    expect(typeof value).toBe("string");
    expect(value).not.toContain(seed.redacted!.must_not_contain);
    expect(value).toContain("[REDACTED]");
  });

  it("schema violations are denied by the gate before the policy", () => {
    expect(decisions.get("hallucinated-field")!.reasons.map((r) => r.code)).toEqual(["schema_violation"]);
    expect(decisions.get("refund-string-amount")!.reasons.map((r) => r.code)).toEqual(["schema_violation"]);
    expect(decisions.get("malformed-json")!.reasons.map((r) => r.code)).toEqual(["arguments_not_json"]);
  });
});
