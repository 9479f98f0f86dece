import { readFile } from "node:fs/promises";
import type { AnyToolDeclaration } from "../gate/tool-call.ts";
import { ToolgateError } from "../errors.ts";
import { declaredTools, ToolDeclarationError } from "./tool-declaration.ts";

/** Reads tool declarations: a JSON array of OpenAI tool declarations, in any shape the gate accepts (ToolDeclaration). */
export async function loadToolDeclarations(file: string): Promise<AnyToolDeclaration[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new ToolgateError("tools_file_missing", `no tool declarations at ${file} (a JSON array of the tools you pass OpenAI)`);
  }
  let tools: unknown;
  try {
    tools = JSON.parse(text);
  } catch (err) {
    throw new ToolgateError("tools_file_invalid", `${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(tools)) throw new ToolgateError("tools_file_invalid", `${file} must hold a JSON array of tools`);
  try {
    declaredTools(tools);
  } catch (err) {
    if (err instanceof ToolDeclarationError) throw new ToolgateError("tools_file_invalid", `${file}: ${err.message}`);
    throw err;
  }
  return tools as AnyToolDeclaration[];
}
