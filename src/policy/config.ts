import { readFile } from "node:fs/promises";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { isMap, LineCounter, parseDocument, type Document } from "yaml";
import { budgetDiagnostics, type BudgetRule } from "./budget-config.ts";
import { didYouMean } from "./did-you-mean.ts";
import { PolicyBuildError, type PolicyDiagnostic } from "./errors.ts";
import { CONFIG_SCHEMA_FILE } from "./package-files.ts";

/** The declarative policy (toolgate.yaml); schemas/toolgate-config.schema.json is its contract. */
export interface PolicyConfig {
  version: 1;
  tools?: Record<string, ToolRule>;
  /** Hosted MCP servers by server label; a server not named here (or under the assistant) is denied. */
  mcp_servers?: Record<string, McpServerRule>;
  /** The shared store (kill switches, approvals, budgets): a path relative to toolgate.yaml, sqlite:FILE or postgres://… */
  store?: string;
  assistants?: Record<string, { tools?: Record<string, Partial<ToolRule>>; mcp_servers?: Record<string, { tools?: Record<string, Partial<McpToolRule>> }> }>;
  [key: string]: unknown;
}

export interface ToolRule {
  effect: "allow" | "deny" | "require_approval";
  reason?: string;
  constraints?: Record<string, unknown>;
  /** Budgets and rate limits across calls (src/policy/budget-config.ts). */
  budgets?: BudgetRule[];
}

/** One hosted MCP server's tools, by the name the server gives them. */
export interface McpServerRule {
  tools?: Record<string, McpToolRule>;
}

export interface McpToolRule {
  effect: "allow" | "deny" | "require_approval";
  reason?: string;
  constraints?: Record<string, unknown>;
}

export const CONFIG_FILE = "toolgate.yaml";

let validator: ValidateFunction | undefined;
async function configValidator(): Promise<ValidateFunction> {
  if (!validator) {
    const schema = JSON.parse(await readFile(CONFIG_SCHEMA_FILE, "utf8")) as Record<string, unknown>;
    validator = new Ajv({ allErrors: true, strict: false, verbose: true }).compile(schema);
  }
  return validator;
}

function pathSegments(instancePath: string): Array<string | number> {
  return instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** Where in the YAML source an ajv error points: the offending key for unknown fields, else the value. */
function locate(doc: Document, lines: LineCounter, error: ErrorObject): { row: number; col: number } | undefined {
  const segments = pathSegments(error.instancePath);
  let node = segments.length === 0 ? doc.contents : doc.getIn(segments, true);
  const extra = (error.params as { additionalProperty?: string }).additionalProperty;
  if (extra !== undefined && isMap(node)) {
    const pair = node.items.find((item) => (item.key as { value?: unknown } | null)?.value === extra);
    node = (pair?.key ?? node) as typeof node;
  }
  const range = (node as { range?: [number, number, number] } | null)?.range;
  if (!range) return undefined;
  const pos = lines.linePos(range[0]);
  return { row: pos.line, col: pos.col };
}

function describe(error: ErrorObject): string {
  const where = error.instancePath === "" ? "the document" : error.instancePath.slice(1).replace(/\//g, ".");
  const extra = (error.params as { additionalProperty?: string }).additionalProperty;
  if (extra !== undefined) {
    const known = Object.keys((error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {});
    const suggestion = didYouMean(extra, known);
    return `${where}: unknown field "${extra}"${suggestion ? ` (did you mean "${suggestion}"?)` : known.length > 0 ? ` (known: ${known.join(", ")})` : ""}`;
  }
  const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues;
  if (allowed) return `${where}: ${error.message} (${allowed.map((v) => JSON.stringify(v)).join(", ")})`;
  return `${where}: ${error.message}`;
}

/** A validated toolgate.yaml with its YAML document, so that later checks can locate what they find. */
export interface LoadedPolicyConfig {
  config: PolicyConfig;
  doc: Document;
  lines: LineCounter;
  /** The file name diagnostics use. */
  file: string;
}

/** Reads and validates toolgate.yaml; every problem is a located diagnostic. */
export async function loadPolicyConfig(file: string, displayName = file): Promise<PolicyConfig> {
  return (await readPolicyConfig(file, displayName)).config;
}

/** loadPolicyConfig, keeping the parsed document and its line index. */
export async function readPolicyConfig(file: string, displayName = file): Promise<LoadedPolicyConfig> {
  return parsePolicyConfig(await readFile(file, "utf8"), displayName);
}

/** Parses and validates toolgate.yaml's text (`file` names it in diagnostics). */
export async function parsePolicyConfig(source: string, displayName: string): Promise<LoadedPolicyConfig> {
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new PolicyBuildError(
      doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return { code: "config_parse_error", message: e.message.split("\n")[0] ?? e.message, location: { file: displayName, row: pos.line, col: pos.col } };
      }),
      `${displayName} is not valid YAML`,
    );
  }
  const config = doc.toJS() as unknown;
  const validate = await configValidator();
  if (!validate(config)) {
    const diagnostics: PolicyDiagnostic[] = (validate.errors ?? []).map((error) => {
      const pos = locate(doc, lines, error);
      return {
        code: "config_invalid",
        message: describe(error),
        ...(pos ? { location: { file: displayName, ...pos } } : {}),
      };
    });
    throw new PolicyBuildError(diagnostics, `${displayName} does not match the toolgate.yaml schema`);
  }
  const budgetProblems = budgetDiagnostics(config as PolicyConfig, doc, lines, displayName);
  if (budgetProblems.length > 0) throw new PolicyBuildError(budgetProblems, `${displayName} has invalid budgets`);
  return { config: config as PolicyConfig, doc, lines, file: displayName };
}
