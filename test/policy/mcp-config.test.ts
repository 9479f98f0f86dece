import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPolicyConfig } from "../../src/policy/config.ts";
import { PolicyBuildError } from "../../src/policy/errors.ts";

let dir: string;
beforeAll(async () => (dir = await mkdtemp(path.join(tmpdir(), "toolgate-mcp-config-"))));
afterAll(() => rm(dir, { recursive: true, force: true }));

async function diagnostics(yaml: string): Promise<{ message: string; row?: number }[]> {
  const file = path.join(dir, "toolgate.yaml");
  await writeFile(file, yaml);
  const err = await loadPolicyConfig(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PolicyBuildError);
  return (err as PolicyBuildError).diagnostics.map((d) => ({ message: d.message, ...(d.location ? { row: d.location.row } : {}) }));
}

describe("toolgate.yaml mcp_servers", () => {
  it("accepts servers, tools with allow / deny / require_approval, and per-assistant overrides", async () => {
    const file = path.join(dir, "ok.yaml");
    await writeFile(
      file,
      [
        "version: 1",
        "tools: {}",
        "mcp_servers:",
        "  crm:",
        "    tools:",
        "      get_customer: { effect: allow, constraints: { allowed_values: { region: [eu] } } }",
        "      update_customer: { effect: require_approval, reason: Needs a human., approval: { timeout_seconds: 60 } }",
        "  empty: {}",
        "assistants:",
        "  asst_1:",
        "    mcp_servers:",
        "      crm: { tools: { get_customer: { constraints: { allowed_values: null } } } }",
      ].join("\n"),
    );
    const config = await loadPolicyConfig(file);
    expect(config.mcp_servers?.crm?.tools?.update_customer?.effect).toBe("require_approval");
  });

  it("names the line of an unknown effect, a label or tool name outside the pattern, and an unknown field", async () => {
    const found = await diagnostics(
      [
        "version: 1", // 1
        "tools: {}", // 2
        "mcp_servers:", // 3
        "  crm:", // 4
        "    tools:", // 5
        "      get_customer: { effect: approve }", // 6
        "  \"crm \":", // 7
        "    tools: {}", // 8
        "  deepwiki:", // 9
        "    tools:", // 10
        "      \"ask question\": { effect: allow }", // 11
        "    server_url: https://mcp.deepwiki.com/mcp", // 12
      ].join("\n"),
    );
    expect(found).toContainEqual(expect.objectContaining({ message: expect.stringContaining("mcp_servers.crm.tools.get_customer.effect"), row: 6 }));
    expect(found.some((d) => d.message.includes("must match pattern") && d.message.startsWith("mcp_servers"))).toBe(true);
    expect(found.some((d) => d.message.includes("mcp_servers.deepwiki.tools") && d.message.includes("must match pattern"))).toBe(true);
    expect(found).toContainEqual(expect.objectContaining({ message: expect.stringMatching(/^mcp_servers\.deepwiki: unknown field "server_url"/), row: 12 }));
  });

  it("names an unknown effect in an assistant's MCP override", async () => {
    const found = await diagnostics(["version: 1", "tools: {}", "assistants:", "  a:", "    mcp_servers:", "      crm: { tools: { t: { effect: maybe } } }"].join("\n"));
    expect(found).toContainEqual(expect.objectContaining({ message: expect.stringContaining("assistants.a.mcp_servers.crm.tools.t.effect"), row: 6 }));
  });
});
