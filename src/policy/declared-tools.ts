import { readFile } from "node:fs/promises";
import { PolicyBuildError } from "./errors.ts";

/** The tool declarations that go with a policy directory: <dir>/tools.json. */
export const TOOLS_FILE = "tools.json";

/** What the build needs of a tool declaration (OpenAI function-tool format): its name. */
export interface NamedTool {
  function: { name: string };
}

/** Where the build takes the declared tool names from, for messages. */
export interface DeclaredTools {
  names: ReadonlySet<string>;
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
  tools.forEach((tool, i) => {
    const name = (tool as { function?: { name?: unknown } } | null)?.function?.name;
    if (typeof name !== "string") fail(`${source}: tool [${i}] has no function.name`);
    names.add(name as string);
  });
  return { names, source };
}
