// The secret rules as data: shipped in framework/secret_rules.json, checked by
// the compiler, put in every bundle at data.toolgate.secret_rules; a bundle
// without them denies redact_secrets tools (secret_rules_missing).
import { readFile } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { Gate } from "../../src/gate/gate.ts";
import { readBundle, type Bundle } from "../../src/policy/bundle.ts";
import { PolicyEngine } from "../../src/policy/engine.ts";
import { combinedSecretPattern, readSecretRules, SECRET_RULES_FILE, secretRulesProblem, type SecretRules } from "../../src/policy/secret-rules.ts";
import { buildSeedBundle, seedTools } from "../helpers/seed-bundle.ts";

let bundle: Bundle;

beforeAll(async () => {
  bundle = await readBundle(await buildSeedBundle());
});

const shipped = async (): Promise<Record<string, unknown>> => JSON.parse(await readFile(SECRET_RULES_FILE, "utf8")) as Record<string, unknown>;

describe("secret rules", () => {
  it("ship as checked data, pinned to their upstream, and reach the bundle at data.toolgate.secret_rules", async () => {
    const doc = await shipped();
    expect(secretRulesProblem(doc)).toBeUndefined();
    expect(doc.upstream).toMatchObject({ package: "@secretlint/secretlint-rule-preset-recommend", version: "13.0.7", license: "MIT" });
    expect((bundle.data.toolgate as { secret_rules?: unknown }).secret_rules).toEqual({ ...doc, combined: combinedSecretPattern(doc as unknown as SecretRules) });
    expect(readSecretRules()).toEqual(doc);
  });

  it("are refused when the gate and the policy could not use them alike", async () => {
    const doc = await shipped();
    const withRule = (change: Record<string, unknown>) => ({ ...doc, rules: [{ ...(doc.rules as object[])[0], ...change }] });
    expect(secretRulesProblem(withRule({ regex: "(sk)-x" }))).toMatch(/capturing group/);
    expect(secretRulesProblem(withRule({ prefix: "[(]x(?:y)" }))).toBeUndefined();
    expect(secretRulesProblem(withRule({ regex: "[a-" }))).toMatch(/not a valid pattern/);
    expect(secretRulesProblem(withRule({ keywords: ["SK-"] }))).toMatch(/lower-case/);
    expect(secretRulesProblem({ ...doc, replacement: "$1" })).toMatch(/replacement/);
    expect(secretRulesProblem({ ...doc, rules: [] })).toMatch(/non-empty/);
    expect(secretRulesProblem({ ...doc, rules: Array.from({ length: 50 }, () => (doc.rules as object[])[0]) })).toMatch(/at most 49/);
    expect(readSecretRules("/nonexistent/secret_rules.json")).toBeUndefined();
  });

  it("missing from a bundle make a tool with redact_secrets deny (secret_rules_missing), others unaffected", async () => {
    const { secret_rules: _dropped, ...toolgate } = bundle.data.toolgate as Record<string, unknown>;
    const gate = new Gate(await PolicyEngine.load({ ...bundle, data: { ...bundle.data, toolgate } }), { tools: await seedTools() });
    const decide = (name: string, args: Record<string, unknown>) =>
      gate.evaluate({ surface: "chat", assistant_id: "asst_abc123", call_id: "c", name, arguments: JSON.stringify(args) }).decision;
    const denied = decide("post_message", { channel: "#ops", text: "nothing secret" });
    expect(denied.effect).toBe("deny");
    expect(denied.reasons.map((r) => r.code)).toEqual(["secret_rules_missing"]);
    expect(decide("get_customer", { customer_id: "c1" }).effect).toBe("allow");
  });
});
