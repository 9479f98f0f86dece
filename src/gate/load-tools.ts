import { readFile } from "node:fs/promises";
import type { ToolDeclaration } from "../gate/tool-call.ts";
import { ToolgateError } from "../errors.ts";

/** Reads tool declarations: a JSON array in OpenAI's function-tool format. */
export async function loadToolDeclarations(file: string): Promise<ToolDeclaration[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new ToolgateError("tools_file_missing", `no tool declarations at ${file}: pass --tools FILE (a JSON array of function tools)`);
  }
  let tools: unknown;
  try {
    tools = JSON.parse(text);
  } catch (err) {
    throw new ToolgateError("tools_file_invalid", `${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(tools)) throw new ToolgateError("tools_file_invalid", `${file} must hold a JSON array of tools`);
  tools.forEach((tool: unknown, i) => {
    const fn = (tool as { type?: unknown; function?: { name?: unknown } } | null)?.function;
    if ((tool as { type?: unknown })?.type !== "function" || typeof fn?.name !== "string") {
      throw new ToolgateError("tools_file_invalid", `${file}: tool [${i}] must be {"type":"function","function":{"name":...}}`);
    }
  });
  return tools as ToolDeclaration[];
}
