// redact_secrets against the real detector: generated tokens of every format
// the rules cover, embedded in random text with random glue on either side
// (word characters, punctuation, quotes, newlines), go through the gate (the
// compiled framework in the real WASM). Property: the sanitized text holds no
// generated secret, and secretlint (@secretlint/core with the recommend
// preset, the upstream the rules come from, AWS id scan on) finds nothing in
// it. The log's redactor (src/gate/secret-redactor.ts) must produce the same text.
import { lintSource } from "@secretlint/core";
import { creator as recommend } from "@secretlint/secretlint-rule-preset-recommend";
import type { SecretLintCoreConfig } from "@secretlint/types";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { Gate } from "../../src/gate/gate.ts";
import { SecretRedactor, shippedSecretRules } from "../../src/gate/secret-redactor.ts";
import type { ToolCall } from "../../src/gate/tool-call.ts";
import { PolicyEngine } from "../../src/policy/engine.ts";
import { fuzzRuns, fuzzTimeout } from "../helpers/fuzz.ts";
import { embedded, FORMATS } from "../helpers/secret-samples.ts";
import { buildSeedBundle, seedTools } from "../helpers/seed-bundle.ts";

const ORACLE: SecretLintCoreConfig = {
  rules: [{
    id: "@secretlint/secretlint-rule-preset-recommend",
    rule: recommend,
    rules: [{ id: "@secretlint/secretlint-rule-aws", options: { enableIDScanRule: true } }],
  }],
};

async function oracle(content: string): Promise<Array<{ ruleId: string; range: readonly [number, number] }>> {
  const result = await lintSource({ source: { content, filePath: "/args.txt", ext: ".txt", contentType: "text" }, options: { config: ORACLE } });
  return result.messages.map((m) => ({ ruleId: m.ruleId, range: m.range }));
}

let gate: Gate;
let logRedactor: SecretRedactor;

beforeAll(async () => {
  gate = new Gate(await PolicyEngine.open(await buildSeedBundle()), { tools: await seedTools() });
  logRedactor = new SecretRedactor(shippedSecretRules());
});

let seq = 0;
function sanitized(text: string): { effect: string; out: string } {
  const call: ToolCall = { surface: "chat", assistant_id: "asst_abc123", call_id: `c${seq++}`, name: "post_message", arguments: JSON.stringify({ channel: "#ops", text }) };
  const { decision } = gate.evaluate(call);
  return { effect: decision.effect, out: String(decision.arguments.text) };
}

describe("redact_secrets against secretlint", () => {
  it("leaves no generated secret and nothing secretlint detects, wherever the token is glued", async () => {
    const outputs: Array<{ text: string; out: string }> = [];
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(embedded, ({ text, samples }) => {
        const { effect, out } = sanitized(text);
        expect(effect).toBe("sanitize");
        for (const sample of samples) {
          seen.set(sample.format, (seen.get(sample.format) ?? 0) + 1);
          for (const secret of sample.secrets) expect(out.includes(secret), `${sample.format} ${JSON.stringify(secret)} left in ${JSON.stringify(out)}`).toBe(false);
        }
        expect(logRedactor.redactText(text)).toBe(out);
        outputs.push({ text, out });
      }),
      { numRuns: fuzzRuns() },
    );
    expect(outputs.length).toBeGreaterThanOrEqual(fuzzRuns());
    for (const format of ["openai-legacy", "anthropic", "github-classic", "slack", "aws-secret-access-key", "jwt", "private-key", "url-userinfo"]) {
      expect(seen.get(format) ?? 0).toBeGreaterThan(fuzzRuns() / 40);
    }

    // The oracle, batched: outputs joined by a separator no detector reads across,
    // and any finding re-checked on its own output.
    const SEPARATOR = "\n\n#####\n\n";
    const BATCH = 250;
    const findings: string[] = [];
    for (let i = 0; i < outputs.length; i += BATCH) {
      const batch = outputs.slice(i, i + BATCH);
      const content = batch.map((o) => o.out).join(SEPARATOR);
      if ((await oracle(content)).length === 0) continue;
      for (const o of batch) {
        const found = await oracle(o.out);
        if (found.length > 0) findings.push(`${JSON.stringify(o.text)} -> ${JSON.stringify(o.out)}: ${found.map((f) => `${f.ruleId}@${f.range.join("-")}`).join(", ")}`);
      }
    }
    expect(findings.slice(0, 5)).toEqual([]);
    console.log(`secrets property: ${outputs.length} inputs; per format ${JSON.stringify(Object.fromEntries(seen))}`);
  }, fuzzTimeout());

  it("the oracle does see the secrets before redaction", async () => {
    const samples = fc.sample(fc.oneof(...FORMATS), 300);
    let detected = 0;
    for (const s of samples) if ((await oracle(` ${s.written} `)).length > 0) detected++;
    // Formats secretlint has no rule for (Google keys, JWTs, other schemes' userinfo, some GitLab prefixes) are the rest.
    expect(detected).toBeGreaterThan(samples.length / 2);
  });
});
