import { readFile } from "node:fs/promises";
import { isNode, LineCounter, parseDocument } from "yaml";
import { ToolgateError } from "../errors.ts";
import type { Effect } from "../gate/decision.ts";
import { SURFACES, type Surface, type ToolType } from "../gate/tool-call.ts";
import { caseTool } from "./case-call.ts";

/**
 * A recorded tool call and what the gate must decide for it. Case files are
 * YAML or JSON (`{cases: [...]}` or a bare list), or JSON lines. See docs/policy-test.md.
 */
export interface ToolCallCase {
  id: string;
  assistant_id: string;
  /** The tool's name; the file may write `tool: {type: mcp, server_label, name}` for a hosted MCP tool. */
  tool: string;
  tool_type?: ToolType;
  server_label?: string;
  /** The raw arguments string, exactly as the model sends it. */
  arguments: string;
  surface?: Surface;
  thread_id?: string;
  run_id?: string;
  call_id?: string;
  context?: Record<string, unknown>;
  /** Overlaid on the constraints toolgate.yaml resolves for this call, key by key; null removes one. */
  constraints?: Record<string, unknown>;
  /** Budget usage the case is decided on, by budget name ({used, reserved}); budgets not named start fresh. */
  usage?: Record<string, { used: number; reserved: number }>;
  expect: CaseExpectation;
  file: string;
  line: number;
}

export interface RedactedCheck {
  /** Dotted path into the effective arguments. */
  path: string;
  must_not_contain: string[];
}

export interface CaseExpectation {
  effect: Effect;
  /** Exactly these reason codes, in any order. */
  reasons?: string[];
  /** Each key must equal the effective argument of that name (other arguments are not checked). */
  arguments?: Record<string, unknown>;
  redacted?: RedactedCheck[];
  /** Each key must equal the decision's approval hint of that name. */
  approval?: Record<string, unknown>;
}

const EFFECTS: readonly Effect[] = ["allow", "deny", "sanitize", "require_approval"];
const CASE_KEYS = new Set(["id", "assistant_id", "tool", "arguments", "surface", "thread_id", "run_id", "call_id", "context", "constraints", "usage", "expect", "description"]);
const EXPECT_KEYS = new Set(["effect", "reasons", "arguments", "redacted", "approval"]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export class CaseFileError extends ToolgateError {
  /** Every problem found, each `file:line: ...`; the message lists them all. */
  readonly problems: string[];

  constructor(problems: string | string[]) {
    const list = typeof problems === "string" ? [problems] : problems;
    super("case_file_invalid", list.length === 1 ? list[0]! : `${list.length} problems in case files:\n${list.map((p) => `  ${p}`).join("\n")}`);
    this.problems = list;
  }
}

/** Runs `parse` on each item; a bad item is collected, not fatal, so one run reports every bad case. */
function parseEach<T, R>(items: readonly T[], parse: (item: T, index: number) => R | undefined): R[] {
  const problems: string[] = [];
  const out: R[] = [];
  items.forEach((item, index) => {
    try {
      const parsed = parse(item, index);
      if (parsed !== undefined) out.push(parsed);
    } catch (err) {
      if (!(err instanceof CaseFileError)) throw err;
      problems.push(...err.problems);
    }
  });
  if (problems.length > 0) throw new CaseFileError(problems);
  return out;
}

/**
 * Reads a case file: YAML or JSON (`{cases: [...]}` or a bare list), or JSON
 * lines (`.jsonl`, one case per line, the seeds' cases.jsonl format, where
 * `expect` is an effect and `redacted` may sit beside it). Every case is
 * checked the same way; errors name file:line, and every bad case is reported at once.
 */
export async function loadCaseFile(file: string): Promise<ToolCallCase[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new CaseFileError(`cannot read case file ${file}`);
  }
  return file.endsWith(".jsonl") ? casesFromJsonLines(text, file) : casesFromDocument(text, file);
}

function casesFromDocument(text: string, file: string): ToolCallCase[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new CaseFileError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return `${file}${pos ? `:${pos.line}:${pos.col}` : ""}: not valid YAML/JSON: ${e.message.split("\n")[0]}`;
      }),
    );
  }
  /** The line of the deepest node along `path` that exists (a missing field: its case's line). */
  const lineOf = (path: Array<string | number>): number => {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
      const offset = isNode(node) ? node.range?.[0] : undefined;
      if (offset !== undefined) return lineCounter.linePos(offset).line;
    }
    return 1;
  };
  const root = doc.toJS() as unknown;
  const listPath: Array<string | number> = Array.isArray(root) ? [] : ["cases"];
  const list = Array.isArray(root) ? root : isObject(root) ? root.cases : undefined;
  if (isObject(root)) {
    const extra = Object.keys(root).filter((k) => k !== "cases");
    if (extra.length > 0) throw new CaseFileError(`${file}:${lineOf([extra[0]!])}: unknown top-level key "${extra[0]}" (a case file holds "cases": [...])`);
  }
  if (!Array.isArray(list)) throw new CaseFileError(`${file}: a case file holds "cases": a list of tool-call cases`);
  const ids = new Map<string, number>();
  return parseEach(list as unknown[], (raw, index) => parseCase(raw, index, file, (field) => lineOf([...listPath, index, ...field]), ids));
}

function casesFromJsonLines(text: string, file: string): ToolCallCase[] {
  const ids = new Map<string, number>();
  let count = 0;
  return parseEach(text.split("\n"), (line, index) => {
    if (line.trim() === "") return undefined;
    count += 1;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (err) {
      throw new CaseFileError(`${file}:${index + 1}: not valid JSON: ${(err as Error).message}`);
    }
    return parseCase(seedFormat(raw), count - 1, file, () => index + 1, ids);
  });
}

/** The seeds' JSON-lines format keeps `redacted` beside `expect`; as a case it is part of the expectation. */
function seedFormat(raw: unknown): unknown {
  if (!isObject(raw) || raw.redacted === undefined) return raw;
  const { redacted, ...rest } = raw;
  return { ...rest, expect: { ...(isObject(raw.expect) ? raw.expect : { effect: raw.expect }), redacted } };
}

/** Checks one case; `lineOf` locates a field of it (dotted path split), `ids` the ids seen so far in its file. */
function parseCase(raw: unknown, index: number, file: string, lineOf: (field: string[]) => number, ids: Map<string, number>): ToolCallCase {
  const label = isObject(raw) && typeof raw.id === "string" ? `case "${raw.id}"` : `case #${index + 1}`;
  const fail = (field: string, want: string): never => {
    const fieldPath = field.split(".").filter((p) => p !== "");
    throw new CaseFileError(`${file}:${lineOf(fieldPath)}: ${label}: ${field || "(case)"} ${want}`);
  };
  if (!isObject(raw)) return fail("", "must be an object");
  for (const key of Object.keys(raw)) if (!CASE_KEYS.has(key)) fail(key, `is not a case field (known: ${[...CASE_KEYS].join(", ")})`);
  if (typeof raw.id !== "string" || raw.id === "") fail("id", "must be a non-empty string");
  const id = raw.id as string;
  if (ids.has(id)) fail("id", `repeats the id of case #${ids.get(id)}`);
  ids.set(id, index + 1);
  if (typeof raw.assistant_id !== "string") fail("assistant_id", "must be a string");
  const tool = caseTool(raw.tool);
  if (typeof tool === "string") return fail("tool", `must be a string (the tool name) or {type: mcp, server_label, name}: it ${tool}`);
  let args: string;
  if (typeof raw.arguments === "string") args = raw.arguments;
  else if (isObject(raw.arguments)) args = JSON.stringify(raw.arguments);
  else return fail("arguments", "must be the raw JSON string the model sent (or an object, sent as its JSON)");
  if (raw.surface !== undefined && !(SURFACES as readonly unknown[]).includes(raw.surface)) fail("surface", `must be one of ${SURFACES.join(", ")}`);
  for (const key of ["thread_id", "run_id", "call_id", "description"] as const) {
    if (raw[key] !== undefined && typeof raw[key] !== "string") fail(key, "must be a string");
  }
  for (const key of ["context", "constraints"] as const) {
    if (raw[key] !== undefined && !isObject(raw[key])) fail(key, "must be an object");
  }
  if (raw.usage !== undefined) {
    const valid =
      isObject(raw.usage) &&
      Object.values(raw.usage).every(
        (u) => isObject(u) && Object.keys(u).every((k) => k === "used" || k === "reserved") && Object.values(u).every((n) => typeof n === "number" && Number.isFinite(n) && n >= 0),
      );
    if (!valid) fail("usage", "must map budget names to {used, reserved}: non-negative numbers");
  }
  const expect = parseExpect(raw.expect, fail);
  return {
    id,
    assistant_id: raw.assistant_id as string,
    tool: tool.name,
    ...(tool.tool_type !== undefined ? { tool_type: tool.tool_type } : {}),
    ...(tool.server_label !== undefined ? { server_label: tool.server_label } : {}),
    arguments: args,
    ...(raw.surface !== undefined ? { surface: raw.surface as Surface } : {}),
    ...(raw.thread_id !== undefined ? { thread_id: raw.thread_id as string } : {}),
    ...(raw.run_id !== undefined ? { run_id: raw.run_id as string } : {}),
    ...(raw.call_id !== undefined ? { call_id: raw.call_id as string } : {}),
    ...(raw.context !== undefined ? { context: raw.context as Record<string, unknown> } : {}),
    ...(raw.constraints !== undefined ? { constraints: raw.constraints as Record<string, unknown> } : {}),
    ...(raw.usage !== undefined
      ? {
          usage: Object.fromEntries(
            Object.entries(raw.usage as Record<string, { used?: number; reserved?: number }>).map(([name, u]) => [name, { used: u.used ?? 0, reserved: u.reserved ?? 0 }]),
          ),
        }
      : {}),
    expect,
    file,
    line: lineOf([]),
  };
}

function parseExpect(raw: unknown, fail: (field: string, want: string) => never): CaseExpectation {
  const effectWant = `must be one of ${EFFECTS.join(", ")}`;
  if (typeof raw === "string") {
    if (!EFFECTS.includes(raw as Effect)) fail("expect", effectWant);
    return { effect: raw as Effect };
  }
  if (!isObject(raw)) return fail("expect", `is required: an effect (${EFFECTS.join(" | ")}) or {effect, reasons?, arguments?, redacted?, approval?}`);
  for (const key of Object.keys(raw)) if (!EXPECT_KEYS.has(key)) fail(`expect.${key}`, `is not an expectation (known: ${[...EXPECT_KEYS].join(", ")})`);
  if (!EFFECTS.includes(raw.effect as Effect)) fail("expect.effect", effectWant);
  const out: CaseExpectation = { effect: raw.effect as Effect };
  if (raw.reasons !== undefined) {
    if (!Array.isArray(raw.reasons) || !raw.reasons.every((r) => typeof r === "string")) fail("expect.reasons", "must be a list of reason codes");
    out.reasons = raw.reasons as string[];
  }
  if (raw.arguments !== undefined) {
    if (!isObject(raw.arguments)) fail("expect.arguments", "must be an object (argument name -> expected effective value)");
    out.arguments = raw.arguments as Record<string, unknown>;
  }
  if (raw.approval !== undefined) {
    if (!isObject(raw.approval)) fail("expect.approval", "must be an object");
    out.approval = raw.approval as Record<string, unknown>;
  }
  if (raw.redacted !== undefined) {
    const list = Array.isArray(raw.redacted) ? raw.redacted : [raw.redacted];
    out.redacted = list.map((r: unknown) => {
      if (!isObject(r) || typeof r.path !== "string") return fail("expect.redacted", "must be {path, must_not_contain} (or a list of them)");
      const banned = typeof r.must_not_contain === "string" ? [r.must_not_contain] : r.must_not_contain;
      if (!Array.isArray(banned) || banned.length === 0 || !banned.every((b) => typeof b === "string" && b !== "")) {
        fail("expect.redacted.must_not_contain", "must be a non-empty string or list of strings");
      }
      return { path: r.path, must_not_contain: banned as string[] };
    });
  }
  return out;
}
