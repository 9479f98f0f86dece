import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Gate } from "../../src/gate/gate.ts";
import { GatePool } from "../../src/gate/gate-pool.ts";
import type { ToolDeclaration } from "../../src/gate/tool-call.ts";
import { compileBundle } from "../../src/policy/compile.ts";
import type { ToolFunction, ToolMap } from "../../src/guard/tool-guard.ts";

const root = path.resolve(import.meta.dirname, "..", "..");

/** The seed support-desk tools (rego/tools.json) plus a free-form custom tool no rule allows. */
export async function seedTools(): Promise<ToolDeclaration[]> {
  const tools = JSON.parse(await readFile(path.join(root, "rego", "tools.json"), "utf8")) as ToolDeclaration[];
  return [
    ...tools,
    {
      type: "function",
      function: { name: "run_shell", parameters: { type: "object", properties: { input: { type: "string" } }, required: ["input"], additionalProperties: false } },
    },
  ];
}

/** Builds the seed policy with the real opa and opens a Gate on it. */
export async function seedGate(): Promise<{ gate: Gate; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), "toolgate-adapters-"));
  const built = await compileBundle({ regoDir: path.join(root, "rego"), out: path.join(dir, "bundle.tar.gz") });
  const gate = await Gate.open(built.path, { tools: await seedTools() });
  return { gate, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Builds the seed policy with the real opa and opens a GatePool (2 worker threads) on it. */
export async function seedPool(): Promise<{ gate: GatePool; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), "toolgate-adapters-pool-"));
  const built = await compileBundle({ regoDir: path.join(root, "rego"), out: path.join(dir, "bundle.tar.gz") });
  const gate = await GatePool.open({ bundlePath: built.path, tools: await seedTools(), workers: 2 });
  return {
    gate,
    cleanup: async () => {
      await gate.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Tool implementations that remember every run, so tests can see what ran with which arguments. */
export function recordingTools(overrides: Record<string, ToolFunction> = {}): { tools: ToolMap; ran: { name: string; args: Record<string, unknown> }[] } {
  const ran: { name: string; args: Record<string, unknown> }[] = [];
  const names = ["get_customer", "delete_customer", "refund_order", "send_email_blast", "post_message", "create_ticket", "run_shell"];
  const tools: Record<string, ToolFunction> = {};
  for (const name of names) {
    tools[name] = async (args, context) => {
      ran.push({ name, args });
      return overrides[name] ? overrides[name](args, context) : { ok: true, tool: name };
    };
  }
  return { tools, ran };
}
