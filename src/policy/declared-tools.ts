import { readFile } from "node:fs/promises";
import { PolicyBuildError } from "./errors.ts";

/** The tool declarations that go with a policy directory: <dir>/tools.json. */
export const TOOLS_FILE = "tools.json";

/**
 * What the build needs of a tool declaration: its name, in any shape the gate
 * accepts (Chat/Assistants `{function: {name}}`, Responses/Agents `{type: "function", name}`,
 * `{type: "custom", name}`). Hosted tools (other types) have no name to check and are skipped.
 */
export type NamedTool = { readonly type?: string; readonly name?: string; readonly function?: { readonly name?: string } } | object;

/** Where the build takes the declared tool names from, for messages. */
export interface DeclaredTools {
  names: ReadonlySet<string>;
  /** Each tool's top-level argument names, when its parameters schema lists them (`properties`). */
  parameters: ReadonlyMap<string, ReadonlySet<string>>;
  source: string;
}

/** The tool names of a tools.json (a JSON array of function tools); a file that is not one is a build error. */
export async function readDeclaredTools(file: string, displayName = file): Promise<DeclaredTools> {
  const fail = (message: string): never => {
    throw new PolicyBuildError([{ code: "tools_file_invalid", message, location: { file: displayName, row: 1, col: 1 } }]);
  };
  let tools: unknown;
  try {
    tools = JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    return fail(`${displayName} is not readable JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(tools)) return fail(`${displayName} must hold a JSON array of tools`);
  return declaredTools(tools as NamedTool[], displayName, fail);
}

/** The names of declarations given in code (e.g. a gate's tools). */
export function declaredTools(
  tools: readonly NamedTool[],
  source: string,
  fail: (message: string) => never = (message) => {
    throw new PolicyBuildError([{ code: "tools_invalid", message }]);
  },
): DeclaredTools {
  const names = new Set<string>();
  const parameters = new Map<string, ReadonlySet<string>>();
  tools.forEach((tool, i) => {
    const t = tool as { type?: unknown; name?: unknown; parameters?: unknown; function?: { name?: unknown; parameters?: unknown } } | null;
    if (t === null || typeof t !== "object") return fail(`${source}: tool [${i}] is not a tool declaration`);
    if (t.type !== undefined && t.type !== "function" && t.type !== "custom") return;
    const name = t.function?.name ?? t.name;
    if (typeof name !== "string") fail(`${source}: tool [${i}] has no name (function.name or name)`);
    names.add(name as string);
    const properties = ((t.function?.parameters ?? t.parameters) as { properties?: unknown } | undefined)?.properties;
    if (properties !== null && typeof properties === "object" && !Array.isArray(properties)) parameters.set(name as string, new Set(Object.keys(properties)));
  });
  return { names, parameters, source };
}
