import { canonicalText } from "../json/canonical-text.ts";
import { parseOwnJson } from "../json/parse-own-json.ts";
import type { UsageJson } from "./budget-charges.ts";
import type { Surface, ToolCall } from "./tool-call.ts";
import { describedToolRef, type ToolRef } from "./tool-ref.ts";

export const INPUT_VERSION = 1;

/** What Rego sees as `input` (schemas/input.schema.json). */
export interface InputDocument {
  version: typeof INPUT_VERSION;
  surface: Surface;
  assistant_id: string;
  thread_id?: string;
  run_id?: string;
  call_id: string;
  /** Which tool: `{name, type: "function"}` or `{name, type: "mcp", server_label}` (src/gate/tool-ref.ts). */
  tool: ToolRef;
  arguments: Record<string, unknown>;
  /** The constraints that apply to this tool for this assistant (toolgate.yaml, resolved). */
  constraints: Record<string, unknown>;
  context: Record<string, unknown>;
  /** Per budget name, the usage this call is decided on (src/gate/budget-charges.ts); only for tools with budgets. */
  usage?: Record<string, unknown>;
}

/** Resolved constraints as the input document holds them: the plain value and its JSON text. */
export interface ConstraintsJson {
  /** What parseOwnJson reads from `json` (shared between documents: not to be modified). */
  readonly value: Readonly<Record<string, unknown>>;
  readonly json: string;
  /** True when `json` is canonical (see canonicalText). */
  readonly canonical: boolean;
}

/** Constraints as ConstraintsJson: canonical text where it can be had. */
export function constraintsJson(constraints: Readonly<Record<string, unknown>>): ConstraintsJson {
  const canonical = canonicalText(constraints);
  const json = canonical ?? (JSON.stringify(constraints) as string);
  return { value: Object.freeze(parseOwnJson(json) as Record<string, unknown>), json, canonical: canonical !== undefined };
}

const NO_CONSTRAINTS: ConstraintsJson = { value: Object.freeze({}), json: "{}", canonical: true };

/** An input document, as the policy reads it (JSON text) and as a value. */
export interface BuiltInput {
  /** The text the policy evaluates. */
  readonly json: string;
  /**
   * True when `json` is canonical JSON (keys sorted at every level, no lone
   * surrogate: see canonicalText), so that it is exactly what the audit log's
   * canonical encoding of `document` writes.
   */
  readonly canonical: boolean;
  /** What parseOwnJson reads from `json`. */
  readonly document: InputDocument;
  /**
   * When `json` is canonical: the canonical text of `document.arguments`, which
   * `json` begins with (`{"arguments":<this>,...`), so the log can splice the
   * arguments (and swap them for the logged ones) without encoding them again.
   */
  readonly argumentsJson?: string;
}

/** Thrown for a part of a call that has no JSON text (a function, a symbol, a toJSON giving undefined). */
export class InputNotJsonError extends TypeError {
  readonly code = "input_not_json";
}

/** JSON text of one member value, and whether it is canonical. */
function memberJson(value: unknown, name: string): [string, boolean] {
  const canonical = canonicalText(value);
  if (canonical !== undefined) return [canonical, true];
  const json = JSON.stringify(value) as string | undefined;
  if (json === undefined) throw new InputNotJsonError(`the call's ${name} has no JSON value`);
  return [json, false];
}

/** A string JSON.stringify writes canonically (no lone surrogate), or not a string at all. */
function wellFormedId(value: unknown): boolean {
  return typeof value === "string" && value.isWellFormed();
}

/**
 * The input document, built from parts: the constraints are cached as text and
 * the arguments are re-encoded from the parsed value (never the raw string,
 * whose duplicate keys a different parser could read differently). Members are
 * written in sorted order and each part canonically where it can be, so the
 * audit log can splice the text into a record instead of encoding the document
 * again. The one builder of the input document: the gate, replay and the
 * logged record of a refused call all go through it. Throws when a part cannot
 * be written as JSON (the gate's callers deny).
 *
 * When every part is canonical the document is made of the parts, not read back
 * from the text: the arguments (parsed by the gate, owned by it), the
 * constraints (frozen, shared), the usage (made for this call) and a copy of the
 * context read from its canonical text (the app's own object may change after
 * the decision; the document must stay what the policy saw).
 *
 * `argumentsJson`, when given, must be the canonical JSON text of `args`
 * (canonicalText(args)): the raw argument text when the scanner showed it is
 * that (see parse-arguments.ts), so a long argument is not encoded again.
 */
export function buildInputDocument(
  call: ToolCall,
  args: Record<string, unknown>,
  constraints: ConstraintsJson = NO_CONSTRAINTS,
  tool: ToolRef = describedToolRef(call),
  usage?: UsageJson,
  argumentsJson?: string,
): BuiltInput {
  const [argsJson, argsCanonical] = argumentsJson === undefined ? memberJson(args, "arguments") : [argumentsJson, true];
  const [contextJson, contextCanonical] = call.context === undefined ? ["{}", true] : memberJson(call.context, "context");
  const strings =
    typeof call.assistant_id === "string" &&
    typeof call.surface === "string" &&
    typeof (call.call_id ?? "") === "string" &&
    (call.run_id === undefined || typeof call.run_id === "string") &&
    (call.thread_id === undefined || typeof call.thread_id === "string");
  // JSON.stringify writes a string canonically unless it holds a lone surrogate (checked below).
  let idsCanonical = true;
  const id = strings
    ? (value: unknown) => JSON.stringify(value)
    : (value: unknown, name: string) => {
        const [text, canonicalId] = memberJson(value, name);
        idsCanonical &&= canonicalId;
        return text;
      };
  const json =
    `{"arguments":${argsJson},"assistant_id":${call.assistant_id === undefined ? "null" : id(call.assistant_id, "assistant_id")},` +
    `"call_id":${id(call.call_id ?? "", "call_id")},"constraints":${constraints.json},"context":${contextJson}` +
    (call.run_id === undefined ? "" : `,"run_id":${id(call.run_id, "run_id")}`) +
    `,"surface":${call.surface === undefined ? "null" : id(call.surface, "surface")}` +
    (call.thread_id === undefined ? "" : `,"thread_id":${id(call.thread_id, "thread_id")}`) +
    `,"tool":${toolJson(tool)}${usage === undefined ? "" : `,"usage":${usage.json}`},"version":${INPUT_VERSION}}`;
  const canonical =
    argsCanonical &&
    contextCanonical &&
    constraints.canonical &&
    (usage === undefined || usage.canonical) &&
    (strings
      ? wellFormedId(call.assistant_id) &&
        wellFormedId(call.surface) &&
        wellFormedId(call.call_id ?? "") &&
        (call.run_id === undefined || wellFormedId(call.run_id)) &&
        (call.thread_id === undefined || wellFormedId(call.thread_id))
      : idsCanonical) &&
    tool.name.isWellFormed() &&
    (tool.type !== "mcp" || tool.server_label.isWellFormed());
  if (strings && canonical) {
    // Every part is plain, well-formed data: the document is made of them, not read back from the text.
    const document: InputDocument = {
      arguments: args,
      assistant_id: call.assistant_id,
      call_id: call.call_id ?? "",
      constraints: constraints.value as Record<string, unknown>,
      context: contextJson === "{}" ? {} : (parseOwnJson(contextJson) as Record<string, unknown>),
      surface: call.surface,
      tool,
      version: INPUT_VERSION,
    };
    if (call.run_id !== undefined) document.run_id = call.run_id;
    if (call.thread_id !== undefined) document.thread_id = call.thread_id;
    if (usage !== undefined) document.usage = usage.value;
    return { json, canonical, document, argumentsJson: argsJson };
  }
  return new InputReadBack(json, canonical, canonical ? argsJson : undefined);
}

/**
 * A BuiltInput whose document is read back from its text when first asked for.
 * A class, not an object literal with a getter: the literal's getter closure
 * kept every such input (text and document) alive through each scavenge into
 * the old generation (see pipeline.ts, evaluation()).
 */
class InputReadBack implements BuiltInput {
  readonly json: string;
  readonly canonical: boolean;
  readonly argumentsJson?: string;
  #document: InputDocument | undefined;

  constructor(json: string, canonical: boolean, argumentsJson: string | undefined) {
    this.json = json;
    this.canonical = canonical;
    if (argumentsJson !== undefined) this.argumentsJson = argumentsJson;
  }

  get document(): InputDocument {
    this.#document ??= parseOwnJson(this.json) as InputDocument;
    return this.#document;
  }
}

/** The input document as JSON text (buildInputDocument's). */
export function inputDocumentJson(call: ToolCall, args: Record<string, unknown>, constraints?: ConstraintsJson, tool?: ToolRef, usage?: UsageJson): string {
  return buildInputDocument(call, args, constraints, tool, usage).json;
}

function toolJson(tool: ToolRef): string {
  return tool.type === "mcp"
    ? `{"name":${JSON.stringify(tool.name)},"server_label":${JSON.stringify(tool.server_label)},"type":"mcp"}`
    : `{"name":${JSON.stringify(tool.name)},"type":"function"}`;
}

/**
 * The input document of a call the policy never saw (refused by the gate, or
 * an approval outcome logged after its decision): what is known of it, with
 * no constraints, so its log record is still complete.
 */
export function knownInput(call: ToolCall, args: Record<string, unknown>): BuiltInput {
  const known: ToolCall = { ...call, assistant_id: String(call.assistant_id), call_id: String(call.call_id ?? ""), name: String(call.name) };
  try {
    return buildInputDocument(known, args);
  } catch (err) {
    if (!(err instanceof InputNotJsonError)) throw err;
    // A part with no JSON value (the gate refused the call for it): logged as text, the context left out.
    const { context: _unencodable, ...rest } = known;
    const text = (v: unknown): string | undefined => (v === undefined ? undefined : String(v));
    return buildInputDocument({ ...rest, surface: (text(known.surface) ?? "") as ToolCall["surface"], thread_id: text(known.thread_id), run_id: text(known.run_id) }, args);
  }
}

/** knownInput's document. */
export function knownInputDocument(call: ToolCall, args: Record<string, unknown>): InputDocument {
  return knownInput(call, args).document;
}
