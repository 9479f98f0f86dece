import type { ApprovalResponse } from "./approver.ts";

/** An approver's answer, read: plain data the guard can trust, or why it is unusable (the call is then denied). */
export type ResponseReading = { readonly ok: true; readonly response: ApprovalResponse } | { readonly ok: false; readonly message: string };

/**
 * The one place an approver's answer is validated. The answer comes from app
 * code (a callback), a review service or a terminal, so it may be anything: a
 * getter or Proxy that throws, a BigInt, a cycle, an unknown status. Each
 * field is read exactly once, inside a try, and copied into plain data;
 * replacement arguments are copied (see plainJsonObject) so that what the gate
 * re-checks, what the ledger binds and what the tool runs with are one value.
 * Only `{status: "approved" | "rejected"}` with string `approver`/`note` and,
 * for approved, a JSON-object `arguments` is well-formed.
 */
export function readApprovalResponse(answer: unknown): ResponseReading {
  try {
    return read(answer);
  } catch (err) {
    return { ok: false, message: `the approver's answer could not be read: ${describeThrown(err)}` };
  }
}

function read(answer: unknown): ResponseReading {
  if (answer === null || typeof answer !== "object" || Array.isArray(answer)) {
    return { ok: false, message: `the approver answered ${kindOf(answer)}, not an object with a status` };
  }
  const fields = answer as Record<string, unknown>;
  const status = fields.status;
  if (status !== "approved" && status !== "rejected") {
    return { ok: false, message: `the approver answered with status ${typeof status === "string" ? JSON.stringify(status.slice(0, 80)) : kindOf(status)}; expected "approved" or "rejected"` };
  }
  const approver = fields.approver;
  const note = fields.note;
  if (approver !== undefined && typeof approver !== "string") return { ok: false, message: `the approver's "approver" is ${kindOf(approver)}, not a string` };
  if (note !== undefined && typeof note !== "string") return { ok: false, message: `the approver's "note" is ${kindOf(note)}, not a string` };
  const named = { ...(approver === undefined ? {} : { approver }), ...(note === undefined ? {} : { note }) };
  if (status === "rejected") return { ok: true, response: { status, ...named } };

  const raw = fields.arguments;
  if (raw === undefined) return { ok: true, response: { status, ...named } };
  const copied = plainJsonObject(raw);
  if (typeof copied === "string") return { ok: false, message: `the approver's modified arguments are unusable: ${copied}` };
  return { ok: true, response: { status, ...named, arguments: copied } };
}

/**
 * Copies a value that must be a JSON object into fresh plain data, reading
 * property descriptors (no getter, setter or toJSON of the approver's runs:
 * an accessor is refused, not called). Refused too, rather than silently
 * changed the way JSON.stringify would: functions, symbols, undefined, holes,
 * non-finite numbers, BigInt, class instances (Date, Map, boxed values, ...)
 * and an object reached twice (a cycle, or shared). Iterative: no depth limit
 * of its own, no stack to overflow. Returns why the value is not one otherwise.
 */
function plainJsonObject(root: unknown): Record<string, unknown> | string {
  if (plainKind(root) !== "object") return `${kindOf(root)} is not a JSON object`;
  const copy: Record<string, unknown> = {};
  const seen = new Set<object>([root as object]);
  const pending: { source: object; target: Record<string, unknown> | unknown[]; path: string }[] = [{ source: root as object, target: copy, path: "" }];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const { source, target, path } = item;
    const keys = Reflect.ownKeys(source);
    const isArray = Array.isArray(target);
    const enumerable: (string | symbol)[] = [];
    for (const key of keys) if (Reflect.getOwnPropertyDescriptor(source, key)?.enumerable === true) enumerable.push(key);
    if (isArray && enumerable.length !== (source as unknown[]).length) return `the array at ${path || "the top"} has holes or extra properties`;
    for (const key of enumerable) {
      const at = `${path}/${String(key)}`;
      if (typeof key === "symbol") return `${at} is a symbol key, which JSON cannot hold`;
      const descriptor = Reflect.getOwnPropertyDescriptor(source, key);
      if (descriptor === undefined) return `${at} vanished while it was read`;
      if (!("value" in descriptor)) return `${at} is a getter or setter; answer with plain data`;
      const value: unknown = descriptor.value;
      const kind = plainKind(value);
      if (kind === undefined) return `${at} is ${typeof value === "object" ? "an object that is not a literal object or array (a Date, Map, boxed value, class instance...)" : kindOf(value)}, which JSON cannot hold`;
      let member: unknown = value;
      if (kind === "object" || kind === "array") {
        if (seen.has(value as object)) return `${at} refers to an object already used (circular or shared)`;
        seen.add(value as object);
        member = kind === "array" ? [] : {};
        pending.push({ source: value as object, target: member as Record<string, unknown> | unknown[], path: at });
      }
      if (isArray) (target as unknown[])[Number(key)] = member;
      else Object.defineProperty(target, key, { value: member, writable: true, enumerable: true, configurable: true });
    }
  }
  return copy;
}

/** What JSON data a value is, or undefined when it is none (only literal objects and arrays count as containers). */
function plainKind(value: unknown): "primitive" | "object" | "array" | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean") return "primitive";
  if (typeof value === "number") return Number.isFinite(value) ? "primitive" : undefined;
  if (typeof value !== "object") return undefined;
  const proto: unknown = Reflect.getPrototypeOf(value);
  if (Array.isArray(value)) return proto === Array.prototype ? "array" : undefined;
  return proto === Object.prototype || proto === null ? "object" : undefined;
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  const type = typeof value;
  if (type === "number" && !Number.isFinite(value)) return String(value);
  return type === "object" || type === "undefined" ? (type === "object" ? "an object" : "undefined") : `a ${type}`;
}

/** A message for anything thrown (by an approver, a getter, a Proxy trap), without running more of its code than needed and never throwing. */
export function describeThrown(err: unknown): string {
  try {
    if (err instanceof Error) {
      const message = err.message;
      return typeof message === "string" ? message : "an error without a message";
    }
    return typeof err === "string" ? err : `a thrown value that is not an Error (${kindOf(err)})`;
  } catch {
    return "an error that could not be described";
  }
}
