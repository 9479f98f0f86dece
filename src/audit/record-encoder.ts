import { hash as digest } from "node:crypto";
import { isPlainArray, isPlainObject, sortedView, suitableKeys, UNSUITABLE } from "../json/canonical-text.ts";
import { parseOwnJson } from "../json/parse-own-json.ts";
import type { DecisionEntry } from "./decision-record.ts";

/** A record as the writer stores it: its line (UTF-8, newline included) and its chain hash. */
export interface EncodedRecord {
  line: Buffer;
  hash: string;
}

/** Thrown by the JavaScript walk for data it does not write itself (toJSON, class instances, bigint, functions). */
class NotPlainData {}
const NOT_PLAIN = new NotPlainData();

const CHAIN_FIELDS: ReadonlySet<string> = new Set(["seq", "prev_hash", "hash"]);

/**
 * Encodes a record with one serialization (`inputJson`, when given, is the
 * canonical JSON text of `entry.input`, as the gate built it for the policy:
 * spliced in, not encoded again): its canonical JSON (keys sorted by
 * UTF-16 code units at every level, no whitespace; what src/canonical-json.ts
 * writes), hashed as `sha256(prev_hash + canonical)`, is also the line, with
 * the `hash` member put first: `{"hash":"…",<the canonical members>}`. A reader
 * that drops that member has the hashed text back.
 *
 * What a reader parses back is exactly what the JSON round trip the writer used
 * before made of the entry (JSON.stringify, read back with parseOwnJson): lone
 * surrogates in strings and keys become U+FFFD, keys made equal by that keep the
 * last value, undefined members vanish, non-finite numbers are null. Data that
 * is not plain (toJSON, class instances) takes that round trip first, which also
 * throws for what JSON cannot hold (bigint, cycles).
 */
export function encodeRecord(entry: DecisionEntry, seq: number, prevHash: string, inputJson?: string): EncodedRecord {
  // The hash this encoder made last is the usual prev_hash (the log's chain head): known to be hex.
  if (prevHash !== lastHash && !HEX64.test(prevHash)) throw new TypeError(`prev_hash must be 64 lower-case hex digits, got ${JSON.stringify(prevHash)}`);
  const canonical = (inputJson === undefined ? undefined : splicedRecord(entry, inputJson, seq, prevHash)) ?? canonicalRecord(entry, seq, prevHash);
  // One buffer, one UTF-8 encoding: prev_hash and the canonical text are laid out so that
  // they end where the line's `{"hash":"<64 hex>",` prefix ends; they are hashed in place,
  // then the prefix is written over prev_hash and the canonical text's "{".
  const at = HASH_PREFIX_BYTES - 1;
  const line = Buffer.allocUnsafe(at + Buffer.byteLength(canonical) + 1);
  const end = at + line.write(canonical, at, "utf8");
  line.write(prevHash, at - prevHash.length, "latin1");
  const hash = digest("sha256", line.subarray(at - prevHash.length, end), "hex");
  line.write(`{"hash":"${hash}",`, 0, "latin1");
  line[end] = 0x0a;
  lastHash = hash;
  return { line, hash };
}

let lastHash = "";

const HEX64 = /^[0-9a-f]{64}$/;

/** `{"hash":"<64 hex>",`: what precedes the canonical members on a line. */
const HASH_PREFIX_BYTES = '{"hash":"'.length + 64 + '",'.length;

function canonicalRecord(entry: DecisionEntry, seq: number, prevHash: string): string {
  try {
    return nativeRecord(entry, seq, prevHash) ?? walkedRecord(entry, seq, prevHash);
  } catch (err) {
    // RangeError: a cycle overflowed the walk; the round trip reports it as JSON.stringify does.
    if (err !== NOT_PLAIN && !(err instanceof RangeError)) throw err;
    const plain = parseOwnJson(JSON.stringify(entry)) as DecisionEntry;
    return nativeRecord(plain, seq, prevHash) ?? walkedRecord(plain, seq, prevHash);
  }
}

/**
 * The usual case, at native speed: JSON.stringify writes an object's members in
 * insertion order, so a view of the record whose objects hold their keys sorted
 * (each object itself where they already are) stringifies to canonical JSON.
 * Undefined for what that cannot cover: keys JavaScript orders itself (integer
 * keys come first, so any key starting with a digit), a key `__proto__`, data
 * that is not plain, and lone surrogates (which JSON.stringify writes as
 * `\udXXX` escapes; a string merely containing that text falls back too).
 */
function nativeRecord(entry: DecisionEntry, seq: number, prevHash: string): string | undefined {
  if (!isPlainObject(entry)) return undefined;
  const fields = entry as unknown as Record<string, unknown>;
  const view = shapedView(fields) ?? genericRecordView(fields);
  if (view === UNSUITABLE) return undefined;
  view.seq = seq;
  view.prev_hash = prevHash;
  const text = JSON.stringify(view);
  return text.includes("\\ud") ? undefined : text;
}

/**
 * The canonical record with `inputJson` (the canonical text of entry.input)
 * spliced in: the members before and after `input` are written by
 * JSON.stringify as nativeRecord does. Undefined where nativeRecord's own
 * conditions fail (the caller then encodes the whole entry).
 */
function splicedRecord(entry: DecisionEntry, inputJson: string, seq: number, prevHash: string): string | undefined {
  const e = entry as unknown as Record<string, unknown>;
  if (!isPlainObject(entry) || !hasOnly(e, RECORD_KEYS)) return undefined;
  const head = {
    approval: sortedView(e.approval),
    assistant_id: sortedView(e.assistant_id),
    call_id: sortedView(e.call_id),
    decision_id: sortedView(e.decision_id),
  };
  const tail = {
    mcp_server_label: sortedView(e.mcp_server_label),
    metrics: sortedView(e.metrics),
    path: sortedView(e.path),
    prev_hash: prevHash,
    result: isShaped(e.result, RESULT_KEYS) ? resultView(e.result) : sortedView(e.result),
    revision: sortedView(e.revision),
    run_id: sortedView(e.run_id),
    secrets_redacted: sortedView(e.secrets_redacted),
    seq,
    surface: sortedView(e.surface),
    thread_id: sortedView(e.thread_id),
    timestamp: sortedView(e.timestamp),
    tool: sortedView(e.tool),
  };
  for (const member in head) if (head[member as keyof typeof head] === UNSUITABLE) return undefined;
  for (const member in tail) if (tail[member as keyof typeof tail] === UNSUITABLE) return undefined;
  const headText = JSON.stringify(head);
  const tailText = JSON.stringify(tail);
  if (headText.includes("\\ud") || tailText.includes("\\ud")) return undefined;
  return `${headText.length > 2 ? `${headText.slice(0, -1)},` : "{"}"input":${inputJson},${tailText.slice(1)}`;
}

/** The members of a record as toDecisionEntry builds it, and of its input document and result. */
const RECORD_KEYS: ReadonlySet<string> = new Set([
  "approval",
  "assistant_id",
  "call_id",
  "decision_id",
  "input",
  "mcp_server_label",
  "metrics",
  "path",
  "prev_hash",
  "result",
  "revision",
  "run_id",
  "secrets_redacted",
  "seq",
  "surface",
  "thread_id",
  "timestamp",
  "tool",
]);
const INPUT_KEYS: ReadonlySet<string> = new Set(["arguments", "assistant_id", "call_id", "constraints", "context", "run_id", "surface", "thread_id", "tool", "version"]);
const RESULT_KEYS: ReadonlySet<string> = new Set(["approval", "arguments", "effect", "reasons"]);

/** True when every own key of the object is one of `known` (none of which Object.prototype has). */
function hasOnly(object: object, known: ReadonlySet<string>): boolean {
  for (const key of Object.keys(object)) if (!known.has(key)) return false;
  return true;
}

function isShaped(value: unknown, known: ReadonlySet<string>): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) && isPlainObject(value) && hasOnly(value, known);
}

/**
 * A record as toDecisionEntry builds it, as one object literal with its members
 * in sorted order (one shape for every record; members left undefined are not
 * written). Undefined when the entry has another member.
 */
function shapedView(e: Record<string, unknown>): Record<string, unknown> | typeof UNSUITABLE | undefined {
  if (!hasOnly(e, RECORD_KEYS)) return undefined;
  const input = isShaped(e.input, INPUT_KEYS) ? inputView(e.input) : sortedView(e.input);
  const result = isShaped(e.result, RESULT_KEYS) ? resultView(e.result) : sortedView(e.result);
  const view = {
    approval: sortedView(e.approval),
    assistant_id: sortedView(e.assistant_id),
    call_id: sortedView(e.call_id),
    decision_id: sortedView(e.decision_id),
    input,
    mcp_server_label: sortedView(e.mcp_server_label),
    metrics: sortedView(e.metrics),
    path: sortedView(e.path),
    prev_hash: undefined as unknown,
    result,
    revision: sortedView(e.revision),
    run_id: sortedView(e.run_id),
    secrets_redacted: sortedView(e.secrets_redacted),
    seq: undefined as unknown,
    surface: sortedView(e.surface),
    thread_id: sortedView(e.thread_id),
    timestamp: sortedView(e.timestamp),
    tool: sortedView(e.tool),
  };
  for (const member in view) if (view[member as keyof typeof view] === UNSUITABLE) return UNSUITABLE;
  return view;
}

function inputView(i: Record<string, unknown>): unknown {
  const view = {
    arguments: sortedView(i.arguments),
    assistant_id: sortedView(i.assistant_id),
    call_id: sortedView(i.call_id),
    constraints: sortedView(i.constraints),
    context: sortedView(i.context),
    run_id: sortedView(i.run_id),
    surface: sortedView(i.surface),
    thread_id: sortedView(i.thread_id),
    tool: sortedView(i.tool),
    version: sortedView(i.version),
  };
  for (const member in view) if (view[member as keyof typeof view] === UNSUITABLE) return UNSUITABLE;
  return view;
}

function resultView(r: Record<string, unknown>): unknown {
  const view = { approval: sortedView(r.approval), arguments: sortedView(r.arguments), effect: sortedView(r.effect), reasons: sortedView(r.reasons) };
  for (const member in view) if (view[member as keyof typeof view] === UNSUITABLE) return UNSUITABLE;
  return view;
}

/** A sorted view of a record with members toDecisionEntry does not write (chain fields left out, set by the caller). */
function genericRecordView(fields: Record<string, unknown>): Record<string, unknown> | typeof UNSUITABLE {
  const keys = Object.keys(fields).filter((k) => !CHAIN_FIELDS.has(k));
  keys.push("seq", "prev_hash");
  if (!suitableKeys(keys)) return UNSUITABLE;
  keys.sort();
  const view: Record<string, unknown> = {};
  for (const key of keys) {
    const item = CHAIN_FIELDS.has(key) ? undefined : sortedView(fields[key]);
    if (item === UNSUITABLE) return UNSUITABLE;
    view[key] = item;
  }
  return view;
}

/**
 * The canonical record by a walk in JavaScript, for what the native path does
 * not cover: lone surrogates replaced, keys that became equal merged, integer keys.
 */
function walkedRecord(entry: DecisionEntry, seq: number, prevHash: string): string {
  if (entry === null || typeof entry !== "object" || Array.isArray(entry) || !isPlainObject(entry)) throw NOT_PLAIN;
  const fields = members(entry as unknown as Record<string, unknown>).filter(([key]) => !CHAIN_FIELDS.has(key));
  fields.push(["seq", String(seq)], ["prev_hash", JSON.stringify(prevHash)]);
  return membersText(fields);
}

function wellFormed(text: string): string {
  return text.isWellFormed() ? text : text.toWellFormed();
}

/**
 * An object's members as [key, canonical value text] in the order JSON.stringify
 * visits them, keys made well-formed; keys that lone surrogates made equal keep
 * the last value, as JSON.parse and parseOwnJson read them.
 */
function members(object: Record<string, unknown>): [string, string][] {
  const merged = new Map<string, string>();
  for (const key of Object.keys(object)) {
    const value = object[key];
    if (value === undefined) continue;
    const fixed = wellFormed(key);
    merged.delete(fixed);
    merged.set(fixed, walkedText(value));
  }
  return [...merged];
}

function membersText(fields: [string, string][]): string {
  fields.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return `{${fields.map(([key, text]) => `${JSON.stringify(key)}:${text}`).join(",")}}`;
}

/** Canonical JSON text of plain data; throws NOT_PLAIN for anything else. */
function walkedText(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(wellFormed(value));
    case "number":
      return Number.isFinite(value) ? String(value) : "null";
    case "boolean":
      return value ? "true" : "false";
    case "object":
      if (value === null) return "null";
      if (Array.isArray(value)) {
        if (!isPlainArray(value)) throw NOT_PLAIN;
        // Holes and undefined items are null, as JSON.stringify writes them.
        return `[${Array.from(value, (item: unknown) => (item === undefined ? "null" : walkedText(item))).join(",")}]`;
      }
      if (!isPlainObject(value)) throw NOT_PLAIN;
      return membersText(members(value as Record<string, unknown>));
    default:
      throw NOT_PLAIN;
  }
}
