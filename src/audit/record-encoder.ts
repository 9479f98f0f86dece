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
 * spliced in, not encoded again; `resultArgumentsJson`, given only with it, the
 * canonical text of `entry.result.arguments`): its canonical JSON (keys sorted by
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
export function encodeRecord(entry: DecisionEntry, seq: number, prevHash: string, inputJson?: string, resultArgumentsJson?: string): EncodedRecord {
  // The hash this encoder made last is the usual prev_hash (the log's chain head): known to be hex.
  if (prevHash !== lastHash && !HEX64.test(prevHash)) throw new TypeError(`prev_hash must be 64 lower-case hex digits, got ${JSON.stringify(prevHash)}`);
  const parts = (inputJson === undefined ? undefined : splicedRecord(entry, inputJson, resultArgumentsJson, seq, prevHash)) ?? [canonicalRecord(entry, seq, prevHash)];
  let length = 0;
  for (const part of parts) length += part.length;
  // One UTF-8 encoding, into the slab: prev_hash and the canonical text are laid out so that
  // they end where the line's `{"hash":"<64 hex>",` prefix ends; they are hashed in place,
  // then the prefix is written over prev_hash and the canonical text's "{".
  const room = HASH_PREFIX_BYTES + length * 3 + 1; // at most 3 UTF-8 bytes per UTF-16 code unit
  if (slabAt + room > slab.length) {
    slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, room));
    slabAt = 0;
  }
  const start = slabAt;
  const at = start + HASH_PREFIX_BYTES - 1;
  let end = at;
  for (const part of parts) end += slab.write(part, end, "utf8");
  slab.write(prevHash, at - prevHash.length, "latin1");
  const hash = digest("sha256", slab.subarray(at - prevHash.length, end), "hex");
  slab.write(`{"hash":"${hash}",`, start, "latin1");
  slab[end] = 0x0a;
  slabAt = end + 1;
  lastHash = hash;
  return { line: slab.subarray(start, slabAt), hash };
}

/**
 * Lines are written one after the other into a slab (a view each), so a batch
 * of records encoded in a row is one contiguous range the log writes as it is.
 * Room for a few records with 64 KiB arguments (each asks for 3 bytes per
 * UTF-16 unit of its text, ~400 KB) before a new slab is needed.
 */
const SLAB_BYTES = 1024 * 1024;

/**
 * Spliced texts from this length on are written into the line as they are,
 * not joined with the other members first: joining copies the whole line into
 * a new string (~80 us for a line with two 64 KiB texts; writing the parts one
 * after the other ~6 us), while for short texts one write of the joined line
 * is cheaper than several.
 */
const SPLICED_APART_FROM = 8 * 1024;
let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
let slabAt = 0;

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

class UnsuitableMember {}
/** Thrown by Member for a value the native path cannot write (see canonicalText). */
const UNSUITABLE_MEMBER = new UnsuitableMember();
const UNSET = Symbol("unset");

/** Strings up to this length are kept in a member's cache (names and ids, not free text), this many per member. */
const CACHED_STRING_LENGTH = 128;
const CACHED_STRINGS = 64;

/**
 * One member of a record, written as `,"name":<canonical text>` ("" when
 * JSON.stringify leaves it out). The text of the last primitive value is kept,
 * and with `cached` those of the last few short strings: records repeat most of
 * theirs (path, revision, surface, assistants, tools, effects, the timestamp
 * within a millisecond). Objects are written anew each time (they may have changed).
 */
class Member {
  readonly #prefix: string;
  readonly #cache: Map<string, string> | undefined;
  #value: unknown = UNSET;
  #text = "";

  constructor(name: string, cached = false) {
    this.#prefix = `,${JSON.stringify(name)}:`;
    this.#cache = cached ? new Map() : undefined;
  }

  text(value: unknown): string {
    if (value === this.#value) return this.#text;
    if (value === undefined) return "";
    const cache = typeof value === "string" ? this.#cache : undefined;
    let text = cache?.get(value as string);
    if (text === undefined) {
      const view = typeof value === "object" ? sortedView(value) : value;
      if (view === UNSUITABLE) throw UNSUITABLE_MEMBER;
      const json = JSON.stringify(view) as string | undefined;
      if (json === undefined) return "";
      // A lone surrogate (written as a \udXXX escape) is for the walk to replace.
      if (json.includes("\\ud")) throw UNSUITABLE_MEMBER;
      text = this.#prefix + json;
      if (typeof value === "object") return text;
      if (cache !== undefined && (value as string).length <= CACHED_STRING_LENGTH) {
        if (cache.size >= CACHED_STRINGS) cache.clear();
        cache.set(value as string, text);
      }
    }
    this.#value = value;
    this.#text = text;
    return text;
  }
}

/** `,"metrics":…`: the usual `{timer_eval_us: n}` written directly, anything else as any member. */
function metricsText(metrics: unknown): string {
  if (metrics !== null && typeof metrics === "object" && !Array.isArray(metrics) && isPlainObject(metrics)) {
    let only: unknown = UNSET;
    for (const key in metrics) {
      if (key !== "timer_eval_us" || only !== UNSET) return M.metrics.text(metrics);
      only = (metrics as Record<string, unknown>)[key];
    }
    if (typeof only === "number") return `,"metrics":{"timer_eval_us":${JSON.stringify(only)}}`;
  }
  return M.metrics.text(metrics);
}

const M = {
  approval: new Member("approval"),
  assistant_id: new Member("assistant_id", true),
  call_id: new Member("call_id"),
  decision_id: new Member("decision_id"),
  mcp_server_label: new Member("mcp_server_label", true),
  metrics: new Member("metrics"),
  path: new Member("path", true),
  result: new Member("result"),
  revision: new Member("revision", true),
  run_id: new Member("run_id"),
  secrets_redacted: new Member("secrets_redacted"),
  surface: new Member("surface", true),
  thread_id: new Member("thread_id"),
  timestamp: new Member("timestamp"),
  tool: new Member("tool", true),
  resultApproval: new Member("approval"),
  resultEffect: new Member("effect", true),
  resultReasons: new Member("reasons"),
};

/**
 * The canonical record with `inputJson` (the canonical text of entry.input)
 * spliced in, and `resultArgumentsJson` (when given, the canonical text of
 * entry.result.arguments) too: the other members are written one by one, in
 * sorted order, as JSON.stringify writes them (nativeRecord's way). The text
 * comes in parts that follow each other (long spliced texts apart: see
 * SPLICED_APART_FROM). Undefined where nativeRecord's own conditions fail (the
 * caller then encodes the whole entry).
 */
function splicedRecord(entry: DecisionEntry, inputJson: string, resultArgumentsJson: string | undefined, seq: number, prevHash: string): string[] | undefined {
  const e = entry as unknown as Record<string, unknown>;
  if (!isPlainObject(entry) || !hasOnly(e, RECORD_KEYS)) return undefined;
  try {
    const head = M.approval.text(e.approval) + M.assistant_id.text(e.assistant_id) + M.call_id.text(e.call_id) + M.decision_id.text(e.decision_id);
    const beforeResult = M.mcp_server_label.text(e.mcp_server_label) + metricsText(e.metrics) + M.path.text(e.path) + `,"prev_hash":"${prevHash}"`;
    const [resultStart, resultArguments, resultEnd] = resultMember(e.result, resultArgumentsJson);
    const tail =
      resultEnd +
      M.revision.text(e.revision) +
      M.run_id.text(e.run_id) +
      M.secrets_redacted.text(e.secrets_redacted) +
      // JSON.stringify, not String(): V8 keeps what String() makes of a number in its number-string
      // cache, where each record's new seq outlived a young-generation collection (the main survivor
      // of a sequential audited loop, and with it what grew the young generation over a long run).
      `,"seq":${JSON.stringify(seq)}` +
      M.surface.text(e.surface) +
      M.thread_id.text(e.thread_id) +
      M.timestamp.text(e.timestamp) +
      `${M.tool.text(e.tool)}}`;
    const start = `{${head === "" ? "" : `${head.slice(1)},`}"input":`;
    if (inputJson.length + resultArguments.length < SPLICED_APART_FROM) return [start + inputJson + beforeResult + resultStart + resultArguments + tail];
    return [start, inputJson, beforeResult + resultStart, resultArguments, tail];
  } catch (err) {
    if (err === UNSUITABLE_MEMBER) return undefined;
    throw err;
  }
}

/**
 * `,"result":<text>` in three parts: before the arguments, the arguments' canonical text (spliced in
 * when known, for a result shaped as toDecisionEntry builds it; else "" and all of it is the first part), after them.
 */
function resultMember(result: unknown, argumentsJson: string | undefined): [string, string, string] {
  if (argumentsJson === undefined || !isShaped(result, RESULT_KEYS) || result.arguments === undefined) return [M.result.text(result), "", ""];
  const approval = M.resultApproval.text(result.approval);
  return [`,"result":{${approval === "" ? "" : `${approval.slice(1)},`}"arguments":`, argumentsJson, `${M.resultEffect.text(result.effect)}${M.resultReasons.text(result.reasons)}}`];
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
  // for-in allocates no key list; it also visits inherited enumerable keys, which only makes it stricter.
  for (const key in object) if (!known.has(key)) return false;
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
