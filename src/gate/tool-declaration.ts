import { ToolgateError } from "../errors.ts";
import type { FunctionDefinition, AnyToolDeclaration } from "./tool-call.ts";

/** Tools OpenAI runs itself: declared to the model, never a function call the gate decides. */
export const HOSTED_TOOL_TYPES = new Set([
  "code_interpreter",
  "file_search",
  "web_search",
  "web_search_preview",
  "computer_use_preview",
  "computer",
  "image_generation",
  "mcp",
  "local_shell",
  "shell",
  "apply_patch",
]);

/** Custom tools take free text, decided as `{"input": text}` (src/openai/custom-tool.ts). */
const CUSTOM_TOOL_PARAMETERS = {
  type: "object",
  properties: { input: { type: "string" } },
  required: ["input"],
  additionalProperties: false,
} as const;

/** A tool declaration the gate cannot read: `index` and `name` say which entry. */
export class ToolDeclarationError extends ToolgateError {
  readonly index: number;

  constructor(index: number, message: string) {
    super("tool_declaration_invalid", message);
    this.index = index;
  }
}

/** What the gate needs of a function or custom tool: its name and the JSON schema of its arguments. */
export interface DeclaredTool {
  name: string;
  description?: string;
  parameters: Record<string, unknown>;
}

const SHAPES =
  '{type:"function", function:{name, parameters}} (Chat Completions, Assistants), ' +
  '{type:"function", name, parameters} (Responses, Agents SDK tool()), {type:"custom", name}, or a hosted tool type';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function label(index: number, name: unknown): string {
  return `tool declaration [${index}]${typeof name === "string" ? ` (${name})` : ""}`;
}

/**
 * Reads the app's tool declarations in every shape OpenAI's APIs take
 * (ToolDeclaration): the function and custom tools, by name; hosted tools are
 * skipped. Throws ToolDeclarationError naming the first bad entry, or a name declared twice.
 */
export function declaredTools(tools: readonly unknown[]): DeclaredTool[] {
  if (!Array.isArray(tools)) throw new ToolDeclarationError(-1, `tools must be an array of tool declarations: ${SHAPES}`);
  const out: DeclaredTool[] = [];
  const seen = new Map<string, number>();
  tools.forEach((tool: unknown, index) => {
    const declared = readOne(tool as AnyToolDeclaration, index);
    if (declared === undefined) return;
    const first = seen.get(declared.name);
    if (first !== undefined) {
      throw new ToolDeclarationError(index, `${label(index, declared.name)}: ${declared.name} is already declared by tool declaration [${first}]`);
    }
    seen.set(declared.name, index);
    out.push(declared);
  });
  return out;
}

function readOne(tool: AnyToolDeclaration, index: number): DeclaredTool | undefined {
  if (!isObject(tool) || typeof tool.type !== "string") {
    throw new ToolDeclarationError(index, `${label(index, undefined)} is not a tool declaration: expected ${SHAPES}`);
  }
  const raw = tool as Record<string, unknown>;
  if (tool.type === "custom") {
    if (typeof raw.name !== "string" || raw.name === "") throw new ToolDeclarationError(index, `${label(index, raw.name)}: a custom tool needs a name`);
    return { name: raw.name, parameters: { ...CUSTOM_TOOL_PARAMETERS }, ...(typeof raw.description === "string" ? { description: raw.description } : {}) };
  }
  if (tool.type !== "function") {
    if (HOSTED_TOOL_TYPES.has(tool.type)) return undefined;
    throw new ToolDeclarationError(index, `${label(index, raw.name)}: unknown tool type ${JSON.stringify(tool.type)}; expected ${SHAPES}`);
  }
  const nested = raw.function;
  if (nested !== undefined && !isObject(nested)) throw new ToolDeclarationError(index, `${label(index, raw.name)}: "function" must be an object`);
  const definition = (nested ?? raw) as Partial<FunctionDefinition>;
  // Both shapes at once with two names: which one the model calls depends on the API, so refuse to guess.
  if (nested !== undefined && raw.name !== undefined && raw.name !== definition.name) {
    throw new ToolDeclarationError(index, `${label(index, raw.name)}: names ${JSON.stringify(raw.name)} and function.name ${JSON.stringify(definition.name)} differ; use one shape`);
  }
  if (typeof definition.name !== "string" || definition.name === "") {
    throw new ToolDeclarationError(index, `${label(index, undefined)}: a function tool needs a name: expected ${SHAPES}`);
  }
  const parameters = definition.parameters ?? { type: "object" };
  if (!isObject(parameters)) {
    throw new ToolDeclarationError(index, `${label(index, definition.name)}: parameters must be a JSON schema object`);
  }
  return { name: definition.name, parameters, ...(typeof definition.description === "string" ? { description: definition.description } : {}) };
}
