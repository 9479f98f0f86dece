import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ToolCall, ToolDeclaration } from "../../src/gate/tool-call.ts";

export const REPO = path.resolve(import.meta.dirname, "..", "..");
export const SHIPPED_REGO = path.join(REPO, "rego");

/** A copy of the shipped policy in a temp dir (the real framework is compiled with it). */
export async function policyCopy(): Promise<{ dir: string; regoDir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), "toolgate-reload-test-"));
  const regoDir = path.join(dir, "rego");
  await cp(SHIPPED_REGO, regoDir, { recursive: true });
  return { dir, regoDir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function shippedTools(): Promise<ToolDeclaration[]> {
  return JSON.parse(await readFile(path.join(SHIPPED_REGO, "tools.json"), "utf8")) as ToolDeclaration[];
}

const shippedConfig = await readFile(path.join(SHIPPED_REGO, "toolgate.yaml"), "utf8");
const REFUND_LINE = "constraints: { max_amount: 500 }";
if (!shippedConfig.includes(REFUND_LINE)) throw new Error("rego/toolgate.yaml changed: update test/policy/reload-helpers.ts");

/** toolgate.yaml with refund_order's default max_amount set to `max`. */
export function configWithRefundMax(max: number): string {
  return shippedConfig.replace(REFUND_LINE, `constraints: { max_amount: ${max} }`);
}

/** Two policies that decide refundCall(300) differently. */
export const POLICY_A = { config: configWithRefundMax(500), effect: "allow" } as const;
export const POLICY_B = { config: configWithRefundMax(100), effect: "deny" } as const;

/** Broken versions: each must fail to build and never serve. */
export const BAD_YAML = `${configWithRefundMax(500)}\n  refund_order: [unclosed\n`;
export const BAD_SCHEMA = configWithRefundMax(500).replace("effect: deny", "effect: maybe");
export const BAD_REGO = `package toolgate.rules\n\ndeny contains msg if {\n\tinput.tool.name ==\n`;

export function refundCall(amount: number, assistant = "asst_zzz"): ToolCall {
  return {
    surface: "cli",
    assistant_id: assistant,
    call_id: "call_refund",
    name: "refund_order",
    arguments: JSON.stringify({ order_id: "o-1", amount }),
  };
}

export async function writeConfig(regoDir: string, text: string): Promise<void> {
  await writeFile(path.join(regoDir, "toolgate.yaml"), text);
}

export const silent = { info: () => {}, error: () => {} };
