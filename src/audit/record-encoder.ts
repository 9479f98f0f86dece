import { createHash } from "node:crypto";
import { parseOwnJson } from "../json/parse-own-json.ts";
import type { DecisionEntry } from "./decision-record.ts";

/** A record as the writer stores it: its line (newline included) and its chain hash. */
export interface EncodedRecord {
  line: string;
  hash: string;
}

/** A value the one-pass encoder does not handle itself (toJSON, bigint, a class instance...). */
class NotPlainData {}
const NOT_PLAIN = new NotPlainData();

/**
 * Encodes a record in one walk of the entry: every value is written once, as
 * canonical JSON (keys sorted by UTF-16 code units, no whitespace, as
 * src/canonical-json.ts), and the same texts make both the line (top-level
 * fields in the entry's order, then seq, prev_hash, hash) and the hashed
 * canonical form (top-level fields sorted). What a reader parses back from the
 * line is exactly what JSON.stringify + parseOwnJson made of the entry before:
 * lone surrogates (in strings and keys) become U+FFFD, keys made equal by that
 * keep the last value, undefined members vanish, non-finite numbers are null.
 * Data that is not plain (toJSON, class instances, bigint, functions) goes
 * through that JSON round trip first, which also throws for what JSON cannot hold.
 */
export function encodeRecord(entry: DecisionEntry, seq: number, prevHash: string): EncodedRecord {
  let fields: Field[];
  try {
    fields = topLevelFields(entry);
  } catch (err) {
    if (err !== NOT_PLAIN && !(err instanceof RangeError)) throw err;
    fields = topLevelFields(parseOwnJson(JSON.stringify(entry)) as DecisionEntry);
  }
  fields.push({ key: "seq", member: `"seq":${seq}` }, { key: "prev_hash", member: `"prev_hash":${JSON.stringify(prevHash)}` });
  let body = "";
  for (const f of fields) body += body === "" ? f.member : `,${f.member}`;
  fields.sort(byKey);
  let canonical = "";
  for (const f of fields) canonical += canonical === "" ? f.member : `,${f.member}`;
  const hash = createHash("sha256").update(prevHash).update(`{${canonical}}`).digest("hex");
  return { line: `{${body},"hash":"${hash}"}\n`, hash };
}

interface Field {
  key: string;
  /** `"key":value`, the value in canonical JSON. */
  member: string;
}

const CHAIN_FIELDS: ReadonlySet<string> = new Set(["seq", "prev_hash", "hash"]);

function topLevelFields(entry: DecisionEntry): Field[] {
  if (entry === null || typeof entry !== "object" || Array.isArray(entry) || !isPlainObject(entry)) throw NOT_PLAIN;
  const fields: Field[] = [];
  for (const [key, text] of members(entry as unknown as Record<string, unknown>, Object.keys(entry))) {
    if (!CHAIN_FIELDS.has(key)) fields.push({ key, member: `${JSON.stringify(key)}:${text}` });
  }
  return fields;
}

function byKey(a: Field, b: Field): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return (proto === Object.prototype || proto === null) && typeof (value as { toJSON?: unknown }).toJSON !== "function";
}

function wellFormed(text: string): string {
  return text.isWellFormed() ? text : text.toWellFormed();
}

/**
 * An object's members as [key, canonical value text] in the order JSON.stringify
 * visits them, keys made well-formed; keys that lone surrogates made equal keep
 * the last value, as JSON.parse and parseOwnJson read them.
 */
function members(object: Record<string, unknown>, keys: string[]): [string, string][] {
  const merged = new Map<string, string>();
  for (const key of keys) {
    const value = object[key];
    if (value === undefined) continue;
    const fixed = wellFormed(key);
    merged.delete(fixed);
    merged.set(fixed, canonicalText(value));
  }
  return [...merged];
}

/** Canonical JSON text of plain data; throws NOT_PLAIN for anything else. */
function canonicalText(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(wellFormed(value));
    case "number":
      return Number.isFinite(value) ? String(value) : "null";
    case "boolean":
      return value ? "true" : "false";
    case "object":
      if (value === null) return "null";
      return Array.isArray(value) ? arrayText(value) : objectText(value);
    default:
      throw NOT_PLAIN;
  }
}

function arrayText(array: unknown[]): string {
  if (Object.getPrototypeOf(array) !== Array.prototype || typeof (array as { toJSON?: unknown }).toJSON === "function") throw NOT_PLAIN;
  let text = "[";
  for (let i = 0; i < array.length; i++) {
    const item: unknown = array[i];
    if (i > 0) text += ",";
    text += item === undefined ? "null" : canonicalText(item);
  }
  return `${text}]`;
}

function objectText(value: object): string {
  if (!isPlainObject(value)) throw NOT_PLAIN;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  let text = "{";
  let first = true;
  if (keys.every((k) => k.isWellFormed())) {
    // The usual case: sort the keys themselves (default sort: UTF-16 code units).
    keys.sort();
    for (const key of keys) {
      const item = object[key];
      if (item === undefined) continue;
      text += `${first ? "" : ","}${JSON.stringify(key)}:${canonicalText(item)}`;
      first = false;
    }
  } else {
    for (const [key, itemText] of members(object, keys).sort(byFirst)) {
      text += `${first ? "" : ","}${JSON.stringify(key)}:${itemText}`;
      first = false;
    }
  }
  return `${text}}`;
}

function byFirst(a: [string, string], b: [string, string]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}
