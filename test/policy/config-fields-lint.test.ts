// The argument names toolgate.yaml gives constraints and budgets are checked
// against the tool's declared parameters (src/policy/config-fields-lint.ts):
// a misspelt field of a check that skips absent arguments would never see the
// real argument (a secret, a card number, an address, a URL would pass), so
// the build is refused; one of a check that denies absent arguments would deny
// every call, so the build warns.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { compileBundle } from "../../src/policy/compile.ts";
import { PolicyBuildError, type PolicyDiagnostic } from "../../src/policy/errors.ts";
import { runCli } from "../helpers/run-cli.ts";
import { policyCopy, writeConfig } from "./reload-helpers.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const shipped = await readFile(path.resolve(import.meta.dirname, "..", "..", "rego", "toolgate.yaml"), "utf8");

function edited(from: string, to: string): string {
  if (!shipped.includes(from)) throw new Error(`${from} not in the shipped config`);
  return shipped.replace(from, to);
}

/** The build's outcome for a config: the diagnostics it refused with, or its warnings. */
async function build(config: string): Promise<{ refused: PolicyDiagnostic[]; warnings: PolicyDiagnostic[] }> {
  const c = await policyCopy();
  cleanups.push(c.cleanup);
  await writeConfig(c.regoDir, config);
  try {
    const built = await compileBundle({ regoDir: c.regoDir, out: path.join(c.dir, "b.tar.gz") });
    return { refused: [], warnings: built.warnings };
  } catch (err) {
    if (!(err instanceof PolicyBuildError)) throw err;
    return { refused: err.diagnostics, warnings: [] };
  }
}

const fieldProblems = (ds: PolicyDiagnostic[]) => ds.filter((d) => d.code === "config_field_not_declared").map((d) => d.message);

describe("toolgate.yaml argument names are checked against the tools' parameters", () => {
  it("the shipped policy names only declared arguments", async () => {
    const { refused, warnings } = await build(shipped);
    expect(refused).toEqual([]);
    expect(fieldProblems(warnings)).toEqual([]);
  });

  it("refuses a misspelt field of a check that skips absent arguments, naming file:line and the argument meant", async () => {
    const config = edited("redact_secrets: [text]", "redact_secrets: [txt]");
    const { refused } = await build(config);
    expect(refused).toEqual([
      expect.objectContaining({
        code: "config_field_not_declared",
        message: expect.stringMatching(/tools\.post_message\.constraints\.redact_secrets names argument "txt", which post_message does not declare .*did you mean "text"\?/),
        location: expect.objectContaining({ file: expect.stringMatching(/toolgate\.yaml$/), row: config.split("\n").findIndex((l) => l.includes("[txt]")) + 1 }),
      }),
    ]);
    for (const [from, to, field] of [
      ["no_card_numbers: [summary]", "no_card_numbers: [sumary]", "sumary"],
      ["allowed_domains: [yourcompany.com] }", "allowed_domains: [yourcompany.com], address_fields: [to, recipients] }", "recipients"],
      ["allowed_hosts: [api.yourcompany.com, docs.yourcompany.com] }", "allowed_hosts: [api.yourcompany.com, docs.yourcompany.com], url_fields: [link] }", "link"],
    ] as const) {
      expect(fieldProblems((await build(edited(from, to))).refused).join("\n")).toContain(`names argument "${field}"`);
    }
  });

  it("refuses a check whose default fields the tool does not declare at all", async () => {
    // post_message has no `url`: allowed_hosts would read nothing.
    const { refused } = await build(edited("constraints: { redact_secrets: [text] }", "constraints: { redact_secrets: [text], allowed_hosts: [api.yourcompany.com] }"));
    expect(fieldProblems(refused)).toEqual([expect.stringContaining("allowed_hosts reads url_fields [url] (the default), none of which post_message declares")]);
  });

  it("refuses a misspelt field in an assistant's override, at the override", async () => {
    const config = edited("      refund_order: { constraints: { max_amount: 100 } }", "      post_message: { constraints: { redact_secrets: [body] } }\n      refund_order: { constraints: { max_amount: 100 } }");
    const { refused } = await build(config);
    expect(fieldProblems(refused)).toEqual([expect.stringContaining('assistants.asst_abc123.tools.post_message.constraints.redact_secrets names argument "body"')]);
  });

  it("warns, and builds, for a misspelt field of a check that denies absent arguments", async () => {
    const { refused, warnings } = await build(edited("recipient_count: 100", "recipient_cnt: 100"));
    expect(refused).toEqual([]);
    expect(fieldProblems(warnings)).toEqual([expect.stringMatching(/approval_over names argument "recipient_cnt".*every call would be denied; did you mean "recipient_count"\?/)]);
    const budget = await build(edited("sum: amount", "sum: amt"));
    expect(fieldProblems(budget.warnings)).toEqual([expect.stringContaining('tools.refund_order.budgets[0].sum reads argument "amt"')]);
  });

  it("policy build prints the refusal with exit 2", async () => {
    const c = await policyCopy();
    cleanups.push(c.cleanup);
    await writeConfig(c.regoDir, edited("no_card_numbers: [summary]", "no_card_numbers: [sumary]"));
    const result = await runCli(["build", "--rego", c.regoDir, "--out", path.join(c.dir, "b.tar.gz")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/toolgate\.yaml:\d+:\d+: config_field_not_declared: tools\.create_ticket\.constraints\.no_card_numbers names argument "sumary"/);
  });
});
