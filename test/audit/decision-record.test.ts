import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/canonical-json.ts";
import {
  chainRecord,
  GENESIS_HASH,
  parseRecordLine,
  recordHash,
  redactInput,
  toDecisionEntry,
} from "../../src/audit/decision-record.ts";
import type { InputDocument } from "../../src/gate/input-document.ts";
import { sampleEntry } from "./helpers.ts";

const input: InputDocument = {
  version: 1,
  surface: "assistants",
  assistant_id: "asst_abc123",
  thread_id: "thread_1",
  run_id: "run_1",
  call_id: "call_1",
  tool: { name: "send_email", type: "function" },
  arguments: { to: "a@example.com", api_key: "sk-secret" },
  constraints: {},
  context: { user: "u1" },
};

describe("canonicalJson", () => {
  it("sorts keys recursively and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it("does not depend on key insertion order, and round-trips JSON data", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const plain = JSON.parse(JSON.stringify(value)) as unknown;
        const reversed = JSON.parse(JSON.stringify(plain, (_k, v: unknown) => reverseKeys(v))) as unknown;
        expect(canonicalJson(reversed)).toBe(canonicalJson(plain));
        expect(JSON.parse(canonicalJson(plain))).toEqual(plain);
      }),
    );
  });
});

function reverseKeys(v: unknown): unknown {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v).reverse());
}

describe("redactInput", () => {
  it("replaces the arguments by the sanitized ones for sanitize", () => {
    const redacted = redactInput(input, { effect: "sanitize", arguments: { to: "a@example.com" } });
    expect(redacted.arguments).toEqual({ to: "a@example.com" });
    expect(input.arguments.api_key).toBe("sk-secret"); // the caller's document is untouched
  });

  it("keeps the input as is for the other effects", () => {
    expect(redactInput(input, { effect: "allow", arguments: input.arguments })).toBe(input);
  });

  it("withholds the raw arguments of a deny whose sanitized arguments broke the tool schema", () => {
    const entry = toDecisionEntry(input, {
      effect: "deny",
      reasons: [{ code: "sanitized_arguments_invalid", message: "sanitized arguments break the tool schema" }],
      arguments: input.arguments,
      decision_id: "d1",
      revision: "r1",
      duration_us: 12,
    });
    expect(JSON.stringify(entry)).not.toContain("sk-secret");
    expect(entry.input.arguments).toEqual({});
    expect(entry.result.arguments).toEqual({});
  });

  it("is applied by toDecisionEntry, so a sanitized secret never reaches the record", () => {
    const entry = toDecisionEntry(input, {
      effect: "sanitize",
      reasons: [{ code: "secret_removed", message: "api_key removed" }],
      arguments: { to: "a@example.com" },
      decision_id: "d1",
      revision: "r1",
      duration_us: 12,
    });
    expect(JSON.stringify(entry)).not.toContain("sk-secret");
    expect(entry).toMatchObject({
      path: "toolgate/decision",
      surface: "assistants",
      assistant_id: "asst_abc123",
      thread_id: "thread_1",
      run_id: "run_1",
      call_id: "call_1",
      tool: "send_email",
      revision: "r1",
      metrics: { timer_eval_us: 12 },
      result: { effect: "sanitize", arguments: { to: "a@example.com" } },
    });
    expect(entry.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});

describe("chain fields", () => {
  it("hash = sha256(prev_hash + canonical record without hash)", () => {
    const record = chainRecord(sampleEntry(1), 1, GENESIS_HASH);
    expect(record.prev_hash).toBe(GENESIS_HASH);
    expect(record.hash).toBe(recordHash(record));
    expect(recordHash({ ...record, tool: "other" })).not.toBe(record.hash);
  });

  it("parseRecordLine accepts a record and says what is wrong otherwise", () => {
    const record = chainRecord(sampleEntry(1), 1, GENESIS_HASH);
    expect(parseRecordLine(JSON.stringify(record))).toEqual(record);
    expect(parseRecordLine("{oops")).toMatchObject({ kind: "unparsable", detail: expect.stringMatching(/^not JSON/) });
    expect(parseRecordLine("[]")).toEqual({ kind: "unparsable", detail: "not a JSON object" });
    expect(parseRecordLine(JSON.stringify({ ...record, seq: 0 }))).toEqual({ kind: "unparsable", detail: "missing or invalid seq" });
    expect(parseRecordLine(JSON.stringify({ ...record, hash: "x" }))).toEqual({ kind: "unparsable", detail: "missing or invalid hash" });
    expect(parseRecordLine(JSON.stringify(record).replace('"seq":1', '"seq":1,"seq":1'))).toMatchObject({ kind: "ambiguous" });
  });
});
