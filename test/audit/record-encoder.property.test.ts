import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DecisionLog } from "../../src/audit/decision-log.ts";
import { chainRecord, GENESIS_HASH, isLineProblem, parseRecordLine, recordHash, type DecisionEntry } from "../../src/audit/decision-record.ts";
import { encodeRecord } from "../../src/audit/record-encoder.ts";
import { canonicalJson } from "../../src/canonical-json.ts";
import { canonicalText } from "../../src/json/canonical-text.ts";
import type { Decision } from "../../src/gate/decision.ts";
import { splicedTexts } from "../../src/audit/audit-recorder.ts";
import { usageDocumentJson, type BudgetCharge, type UsageJson } from "../../src/gate/budget-charges.ts";
import { buildInputDocument, constraintsJson, InputNotJsonError, type BuiltInput } from "../../src/gate/input-document.ts";
import type { RecordedDecision } from "../../src/gate/recorder.ts";
import type { ResolvedBudget } from "../../src/policy/budget-config.ts";
import type { ToolCall } from "../../src/gate/tool-call.ts";
import { toDecisionEntry } from "../../src/audit/decision-record.ts";
import { parseOwnJson } from "../../src/json/parse-own-json.ts";
import { fuzzRuns, fuzzTimeout } from "../helpers/fuzz.ts";
import { sampleEntry, useTempDir } from "./helpers.ts";
import { join } from "node:path";

// The writer's one-walk encoder against the two-walk writer it replaced: a
// JSON.stringify round trip read back with parseOwnJson (lone surrogates to
// U+FFFD, last duplicate wins), then the chain hash over canonicalJson. For any
// entry, the encoded line must read back strictly (parseRecordLine: no
// duplicate key, no lone surrogate, canonical numbers) as that round trip's
// record, and its hash must be the one the verifier computes.

const unit = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom("a", "b", "z", "0", " ", "_", "é", "漢", "A", "~") },
  { weight: 6, arbitrary: fc.constantFrom('"', "\\", "/", "\n", "\u0000", "\u001f", "\u2028", "\ufffd") },
  { weight: 4, arbitrary: fc.constantFrom("😀", "𝄞") },
  { weight: 3, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
);
const text = fc.array(unit, { maxLength: 6 }).map((units) => units.join(""));
/** Keys that collide once lone surrogates are replaced, keys JSON.parse misreads, and a prototype name. */
const key = fc.oneof(
  { weight: 6, arbitrary: text },
  { weight: 2, arbitrary: fc.constantFrom("\ud800", "\udbff", "\udc00", "\ufffd", "x\ud800", "x\ufffd", '"', "\\", "q", "__proto__", "toString", "1", "01", "-1", "seq", "hash", "prev_hash") },
);
const number = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, 1e21, 1e-7, 5e-324, Number.MAX_VALUE, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53 + 2),
);

/** Data as an app or a policy may hand it over: mostly plain, with undefined members, holes, dates and toJSON. */
const { value } = fc.letrec<{ value: unknown; object: Record<string, unknown>; array: unknown[] }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 4, arbitrary: text },
    { weight: 3, arbitrary: number },
    { weight: 1, arbitrary: fc.constantFrom(true, false, null, undefined) },
    { weight: 1, arbitrary: fc.date({ noInvalidDate: true }) },
    { weight: 3, arbitrary: tie("object") },
    { weight: 2, arbitrary: tie("array") },
    { weight: 1, arbitrary: tie("value").map((inner) => ({ toJSON: () => inner })) },
  ),
  object: fc.array(fc.tuple(key, tie("value")), { maxLength: 5 }).map((entries) => {
    const object: Record<string, unknown> = {};
    for (const [k, v] of entries) Object.defineProperty(object, k, { value: v, enumerable: true, writable: true, configurable: true });
    return object;
  }),
  array: fc.tuple(fc.array(tie("value"), { maxLength: 5 }), fc.boolean()).map(([items, holey]) => {
    if (holey && items.length > 0) delete items[0];
    return items;
  }),
}));

/** Metrics as toDecisionEntry writes them, with any number, or any value at all. */
const metrics = fc.oneof({ weight: 3, arbitrary: number.map((n) => ({ timer_eval_us: n })) }, { weight: 1, arbitrary: value });
const entry = fc
  .record({ i: fc.nat(1000), tool: text, args: value, context: value, reasonMessage: text, metrics, extraKey: fc.option(key), extra: value })
  .map(({ i, tool, args, context, reasonMessage, metrics, extraKey, extra }): DecisionEntry => {
    const base = sampleEntry(i, { effect: "deny" });
    const result = { ...base.result, reasons: [{ code: "max_amount_exceeded", message: reasonMessage }], arguments: args as Record<string, unknown> };
    const input = { ...base.input, arguments: args as Record<string, unknown>, context: context as Record<string, unknown> };
    const e = { ...base, tool, input, result, metrics: metrics as DecisionEntry["metrics"] };
    // Mostly the members toDecisionEntry writes (the writer's fixed-shape path), sometimes one more.
    if (extraKey !== null) Object.defineProperty(e, extraKey, { value: extra, enumerable: true, writable: true, configurable: true });
    return e as DecisionEntry;
  });

const prevHash = fc.oneof(fc.constant(GENESIS_HASH), fc.stringMatching(/^[0-9a-f]{64}$/));

/** encodeRecord writes the same line with the input's and the result arguments' canonical texts spliced in as without. */
function expectSplicedAsFull(e: DecisionEntry, seq: number, prev: string): void {
  const inputJson = canonicalText(e.input);
  if (inputJson === undefined) return;
  const resultArgumentsJson = canonicalText(e.result.arguments);
  const full = encodeRecord(e, seq, prev).line.toString("utf8");
  expect(encodeRecord(e, seq, prev, inputJson).line.toString("utf8")).toBe(full);
  expect(encodeRecord(e, seq, prev, inputJson, resultArgumentsJson).line.toString("utf8")).toBe(full);
}

describe("encodeRecord", () => {
  it(
    "writes the same line with the input's and the result arguments' canonical texts spliced in as without",
    () => {
      fc.assert(
        fc.property(entry, fc.integer({ min: 1, max: 2 ** 40 }), prevHash, (e, seq, prev) => expectSplicedAsFull(e, seq, prev)),
        { numRuns: fuzzRuns() },
      );
    },
    fuzzTimeout(),
  );

  it(
    "writes the same line when the spliced texts are long (written into the line apart from the other members)",
    () => {
      // Past 8 KiB the spliced texts are not joined with the rest first; several long texts of mixed units
      // (multi-byte, surrogate pairs, escapes) so each part's UTF-8 is laid right after the previous one.
      const long = fc.tuple(text, fc.integer({ min: 700, max: 1400 })).map(([t, times]) => `${t}é😀"\\\n`.repeat(times).slice(0, 9000 + times));
      fc.assert(
        fc.property(entry, long, fc.integer({ min: 1, max: 2 ** 40 }), prevHash, (e, pad, seq, prev) => {
          const args = { ...(e.input.arguments as object), pad };
          expectSplicedAsFull({ ...e, input: { ...e.input, arguments: args }, result: { ...e.result, arguments: args } } as DecisionEntry, seq, prev);
        }),
        { numRuns: fuzzRuns() },
      );
    },
    fuzzTimeout(),
  );

  it(
    "writes one line that reads back strictly as the JSON round trip of the entry, with the hash the verifier computes",
    () => {
      fc.assert(
        fc.property(entry, fc.integer({ min: 1, max: 2 ** 40 }), prevHash, (e, seq, prev) => {
          const expected = chainRecord(parseOwnJson(JSON.stringify(e)) as DecisionEntry, seq, prev);
          const encoded = encodeRecord(e, seq, prev);
          const { hash } = encoded;
          const line = encoded.line.toString("utf8");
          expect(line.indexOf("\n")).toBe(line.length - 1);
          const parsed = parseRecordLine(line.slice(0, -1));
          if (isLineProblem(parsed)) throw new Error(`the writer produced a refused line: ${parsed.kind}: ${parsed.detail}`);
          expect(parsed).toEqual(expected);
          expect(hash).toBe(expected.hash);
          expect(recordHash(parsed)).toBe(hash);
        }),
        { numRuns: fuzzRuns() },
      );
    },
    fuzzTimeout(),
  );
});

/** Arguments as the gate has them: JSON data parsed from the model's text. */
const parsedObject = value.map((v) => {
  const text = JSON.stringify(v);
  const parsed = text === undefined ? {} : parseOwnJson(text);
  return (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : { v: parsed }) as Record<string, unknown>;
});
/** Mostly well-formed text (so that most documents are canonical and take the spliced path), sometimes with lone surrogates. */
const mostlyWellFormed = fc.oneof({ weight: 4, arbitrary: text.map((t) => t.toWellFormed()) }, { weight: 1, arbitrary: text });
const id = fc.option(mostlyWellFormed, { nil: undefined });
/** A context as an app hands it over: mostly plain JSON data (unicode and lone surrogates in keys and strings), sometimes anything. */
const context = fc.oneof({ weight: 3, arbitrary: parsedObject }, { weight: 1, arbitrary: value });
const call = fc
  .record({
    assistant: mostlyWellFormed,
    callId: id,
    thread: id,
    run: id,
    name: mostlyWellFormed,
    context: fc.option(context, { nil: undefined }),
    mcp: fc.option(mostlyWellFormed, { nil: undefined }),
  })
  .map(({ assistant, callId, thread, run, name, context, mcp }): ToolCall => {
    const c: ToolCall = { surface: "chat", assistant_id: assistant, call_id: callId as string, name, arguments: "" };
    if (thread !== undefined) c.thread_id = thread;
    if (run !== undefined) c.run_id = run;
    if (context !== undefined) c.context = context as Record<string, unknown>;
    if (mcp !== undefined) Object.assign(c, { tool_type: "mcp", server_label: mcp });
    return c;
  });

/** `input.usage` as the pipeline makes it: budgets with any name (__proto__, digits, lone surrogates) and any numbers. */
const keyPart = fc.oneof(mostlyWellFormed, number, fc.boolean(), fc.constant(null));
const budget = fc
  .record({
    name: fc.oneof({ weight: 4, arbitrary: mostlyWellFormed }, { weight: 1, arbitrary: key }),
    kind: fc.constantFrom("sum" as const, "count" as const),
    limit: number,
    soft_limit: fc.option(number, { nil: undefined }),
    window: fc.constantFrom("1d", "15m", "30s"),
    per: fc.array(fc.constantFrom("assistant", "thread", "context.user", "args.order.id"), { maxLength: 2 }),
  })
  .map((b): ResolvedBudget => ({ ...b, sum: undefined, windowMs: 1000, reservationMs: 1000 }));
const usage = fc
  .array(fc.record({ budget, values: fc.array(keyPart, { maxLength: 2 }), amount: number, used: number, reserved: number }), { minLength: 1, maxLength: 3 })
  .map((charges): UsageJson | undefined => {
    // One reading per budget name, as a store gives it; a budget named twice is one budget.
    const byName = new Map(charges.map((c) => [c.budget.name, c]));
    const planned: BudgetCharge[] = [...byName.values()].map((c) => ({ budget: c.budget, key: JSON.stringify(c.values), amount: c.amount }));
    return usageDocumentJson(planned, new Map([...byName].map(([name, c]) => [name, { used: c.used, reserved: c.reserved }])));
  });

/** A decision on `args` as the gate may log it: the same arguments, others (sanitize, approval), or withheld. */
const decisionOn = (args: Record<string, unknown>) =>
  fc
    .record({
      effect: fc.constantFrom("allow" as const, "deny" as const, "sanitize" as const, "require_approval" as const),
      others: fc.option(parsedObject, { nil: undefined }),
      reason: fc.constantFrom("tool_denied", "sanitized_arguments_invalid"),
      message: text,
      hint: fc.option(fc.record({ summary: text }), { nil: undefined }),
      duration_us: number,
    })
    .map(({ effect, others, reason, message, hint, duration_us }): Decision => {
      const decision: Decision = { decision_id: "d-1", effect, reasons: [{ code: reason, message }], arguments: others ?? args, revision: "r1", duration_us };
      if (hint !== undefined) decision.approval = hint;
      return decision;
    });
const outcome = fc.option(fc.record({ status: fc.constantFrom("approved" as const, "rejected" as const), note: text }), { nil: undefined });

describe("the input document's canonical text, spliced into a record", () => {
  it(
    "is the document's canonical JSON, and the record that splices it is byte for byte the one that encodes the document",
    () => {
      fc.assert(
        fc.property(
          call,
          parsedObject,
          parsedObject,
          fc.option(usage, { nil: undefined, freq: 2 }),
          prevHash,
          (c, args, constraints, usageJson, prev) => {
            let built: BuiltInput;
            try {
              built = buildInputDocument(c, args, constraintsJson(constraints), undefined, usageJson);
            } catch (err) {
              // A context with no JSON value (a toJSON giving undefined): refused, never half-written.
              expect(err).toBeInstanceOf(InputNotJsonError);
              return;
            }
            expect(built.document).toEqual(parseOwnJson(built.json));
            if (!built.canonical) return;
            expect(built.json).toBe(canonicalJson(parseOwnJson(built.json)));
            expect(built.json.startsWith(`{"arguments":${built.argumentsJson},`)).toBe(true);
            expect(built.argumentsJson).toBe(canonicalJson(built.document.arguments));
            // Every way the gate logs a decision on this input (the same, other or withheld arguments, approvals, redaction flag).
            fc.assert(
              fc.property(decisionOn(built.document.arguments), outcome, fc.boolean(), (decision, approval, secretsRedacted) => {
                const recorded: RecordedDecision = { call: c, input: built.document, decision, inputJson: built.json, argumentsJson: built.argumentsJson };
                const entry = toDecisionEntry(built.document, decision, {
                  now: new Date(0),
                  ...(approval ? { approval: { outcome: approval.status, note: approval.note } } : {}),
                  ...(secretsRedacted ? { secretsRedacted } : {}),
                });
                const { inputJson, resultArgumentsJson } = splicedTexts(recorded, entry);
                expect(encodeRecord(entry, 3, prev, inputJson, resultArgumentsJson).line.toString("utf8")).toBe(encodeRecord(entry, 3, prev).line.toString("utf8"));
              }),
              { numRuns: 3 },
            );
          },
        ),
        { numRuns: fuzzRuns() },
      );
    },
    fuzzTimeout(),
  );
});

describe("DecisionLog.append", () => {
  const tempDir = useTempDir();

  it("refuses what JSON cannot hold (a cycle, a bigint) without consuming a seq", async () => {
    const log = await DecisionLog.open({ path: join(await tempDir(), "decisions.jsonl"), durability: "none" });
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const base = sampleEntry(1);
    await expect(log.append({ ...base, input: { ...base.input, context: cyclic } })).rejects.toMatchObject({ code: "audit_record_invalid" });
    await expect(log.append({ ...base, input: { ...base.input, arguments: { n: [1n] } } })).rejects.toMatchObject({ code: "audit_record_invalid" });
    expect((await log.append(base)).record.seq).toBe(1);
    await log.close();
  });
});
