import { describe, expect, it } from "vitest";
import { describeThrown, readApprovalResponse } from "../../src/approval/read-response.ts";

const throwingProxy = (target: object = {}) =>
  new Proxy(target, {
    get() {
      throw new Error("get trap");
    },
    ownKeys() {
      throw new Error("ownKeys trap");
    },
    getOwnPropertyDescriptor() {
      throw new Error("descriptor trap");
    },
    getPrototypeOf() {
      throw new Error("prototype trap");
    },
  });

describe("readApprovalResponse", () => {
  it("accepts well-formed answers and copies them into plain data", () => {
    expect(readApprovalResponse({ status: "rejected", approver: "ann", note: "no", arguments: { ignored: 1n } })).toEqual({
      ok: true,
      response: { status: "rejected", approver: "ann", note: "no" },
    });
    const args = { a: [1, "x", null, { b: true }] };
    const read = readApprovalResponse({ status: "approved", arguments: args, extra: Symbol("ignored") });
    expect(readApprovalResponse({ status: "approved", arguments: JSON.parse('{"__proto__":{"admin":true}}') })).toMatchObject({ ok: true });
    expect(read).toEqual({ ok: true, response: { status: "approved", arguments: args } });
    if (read.ok && read.response.status === "approved") {
      expect(read.response.arguments).not.toBe(args); // a copy: later changes to the approver's object do not reach the tool
      args.a.push("later");
      expect(read.response.arguments).toEqual({ a: [1, "x", null, { b: true }] });
    }
  });

  it("reads each field once: a getter cannot answer one thing to the check and another to the use", () => {
    let reads = 0;
    const answer = {
      get status() {
        reads += 1;
        return reads === 1 ? "approved" : "rejected";
      },
    };
    expect(readApprovalResponse(answer)).toEqual({ ok: true, response: { status: "approved" } });
    expect(reads).toBe(1);
    // Replacement arguments must be plain data: a getter there is refused, never called.
    let argumentReads = 0;
    const args = {
      get amount() {
        argumentReads += 1;
        return 1;
      },
    };
    expect(readApprovalResponse({ status: "approved", arguments: args })).toMatchObject({ ok: false, message: expect.stringMatching(/\/amount is a getter/) });
    expect(argumentReads).toBe(0);
  });

  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;
  const unusable: [string, unknown, RegExp][] = [
    ["undefined", undefined, /answered undefined/],
    ["null", null, /answered null/],
    ["a string", "approved", /answered a string/],
    ["an array", [{ status: "approved" }], /answered an array/],
    ["an unknown status", { status: "maybe" }, /status "maybe"/],
    ["a missing status", { approver: "ann" }, /status undefined/],
    ["a boxed status", { status: new String("approved") }, /status an object/],
    ["a non-string approver", { status: "approved", approver: 7 }, /"approver" is a number/],
    ["a non-string note", { status: "rejected", note: { text: "x" } }, /"note" is an object/],
    ["BigInt arguments", { status: "approved", arguments: { amount: 10n } }, /BigInt/i],
    ["circular arguments", { status: "approved", arguments: circular }, /circular/i],
    ["a function in the arguments", { status: "approved", arguments: { f: () => 1 } }, /\/f is a function/],
    ["a symbol in the arguments", { status: "approved", arguments: { s: Symbol("x") } }, /\/s is a symbol/],
    ["undefined in the arguments", { status: "approved", arguments: { u: undefined } }, /\/u is undefined/],
    ["a hole in an array", { status: "approved", arguments: { list: [1, , 3] } }, /\/list has holes/],
    ["NaN in the arguments", { status: "approved", arguments: { n: Number.NaN } }, /NaN/],
    ["array arguments", { status: "approved", arguments: [1] }, /an array is not a JSON object/],
    ["string arguments", { status: "approved", arguments: "{}" }, /a string is not a JSON object/],
    ["arguments with a toJSON method", { status: "approved", arguments: { toJSON: () => ({ amount: 1 }) } }, /\/toJSON is a function/],
    ["a Date in the arguments", { status: "approved", arguments: { when: new Date(0) } }, /\/when is an object that is not a literal/],
    ["a Map as the arguments", { status: "approved", arguments: new Map([["a", 1]]) }, /not a JSON object/],
    ["a boxed number in the arguments", { status: "approved", arguments: { n: new Number(1) } }, /\/n is an object that is not a literal/],
    ["a shared object in the arguments", { status: "approved", arguments: ((o) => ({ a: o, b: o }))({ x: 1 }) }, /already used/],
    ["a symbol key in the arguments", { status: "approved", arguments: { [Symbol("k")]: 1 } }, /symbol key/],
    ["a huge sparse array in the arguments", { status: "approved", arguments: { list: new Array(1e9) } }, /holes/],
    ["a throwing getter", { get status() { throw new Error("boom"); } }, /could not be read: boom/],
    ["a throwing getter in the arguments", { status: "approved", arguments: { get a() { throw new Error("deep"); } } }, /\/a is a getter/],
    ["a Proxy that throws", throwingProxy(), /could not be read/],
    ["arguments that are a Proxy that throws", { status: "approved", arguments: throwingProxy() }, /could not be read/],
    ["a revoked Proxy", (() => { const p = Proxy.revocable({}, {}); p.revoke(); return p.proxy; })(), /could not be read/],
  ];

  it.each(unusable)("refuses %s with a message, never throwing", (_name, answer, message) => {
    const read = readApprovalResponse(answer);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.message).toMatch(message);
  });

  it("describes anything thrown without throwing itself", () => {
    expect(describeThrown(new Error("x"))).toBe("x");
    expect(describeThrown("plain")).toBe("plain");
    expect(describeThrown(Symbol("s"))).toBe("a thrown value that is not an Error (a symbol)");
    expect(describeThrown(throwingProxy(new Error("hidden")))).toBe("an error that could not be described");
    const hostile = new Error("x");
    Object.defineProperty(hostile, "message", { get: () => { throw new Error("no"); } });
    expect(describeThrown(hostile)).toBe("an error that could not be described");
  });
});
