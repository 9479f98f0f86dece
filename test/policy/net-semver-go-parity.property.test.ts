// semver.* and net.cidr_* (host builtins) answer as OPA's Go builtins on
// generated inputs: one module evaluated by `opa eval` (Go) and by the WASM
// runtime over the same batch of inputs, every answer compared. Inputs on
// which Go's builtin panics (net.cidr_merge of some IPv6 ranges) or on which
// toolgate refuses to answer (UnanswerableError) are tested apart, below.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PolicyEngine } from "../../src/policy/engine.ts";
import { fuzzRuns, fuzzTimeout } from "../helpers/fuzz.ts";
import { evalBoth, toolgateEngine } from "./go-parity.ts";

/** The gate's engine for `package toolgate` with `decision := <expression>`. */
const engineFor = (expression: string): Promise<PolicyEngine> => toolgateEngine(`decision := ${expression}`);

const MODULE = `package p

valid := {i: semver.is_valid(v) | some i, v in input.versions}
compare := {i: semver.compare(x[0], x[1]) | some i, x in input.pairs}
cidr_valid := {i: net.cidr_is_valid(c) | some i, c in input.cidrs}
expand := {i: net.cidr_expand(c) | some i, c in input.expand}
merge := {i: net.cidr_merge(l) | some i, l in input.merge}
matches := {i: net.cidr_contains_matches(x[0], x[1]) | some i, x in input.matches}
`;

const piece = (...xs: string[]): fc.Arbitrary<string> => fc.constantFrom(...xs);
const numeric = piece("0", "1", "7", "01", "10", "00", "9223372036854775807", "9223372036854775808", "-1", "+1", "", " 1", "1 ");
const identifier = piece("alpha", "beta", "0", "00", "01", "1", "2", "10", "x-y", "-", "", "a.b", "ü", "rc.1", "1.2.3", "9223372036854775808");
const semverText = fc.oneof(
  fc.tuple(piece("", "", "v", "V", "=", "vv", " "), fc.array(numeric, { minLength: 1, maxLength: 4 }),
    fc.option(fc.array(identifier, { minLength: 1, maxLength: 3 })), fc.option(fc.array(identifier, { minLength: 1, maxLength: 2 })))
    .map(([prefix, parts, pre, meta]) => `${prefix}${parts.join(".")}${pre ? `-${pre.join(".")}` : ""}${meta ? `+${meta.join(".")}` : ""}`),
  fc.string({ maxLength: 12 }),
);
const validSemver = fc.tuple(fc.constantFrom("", "v"), fc.nat(3), fc.nat(3), fc.nat(3),
  fc.option(fc.array(piece("alpha", "beta", "0", "1", "2", "10", "a-1", "rc", "9223372036854775808", "9223372036854775809"), { minLength: 1, maxLength: 3 })),
  fc.option(piece("build", "001", "x.y")))
  .map(([v, a, b, c, pre, meta]) => `${v}${a}.${b}.${c}${pre ? `-${pre.join(".")}` : ""}${meta ? `+${meta}` : ""}`);

const octet = piece("0", "1", "9", "10", "01", "00", "127", "192", "255", "256", "1e1", " 1", "");
const group = piece("0", "1", "db8", "2001", "ffff", "FFFF", "00000", "10000", "fe80", "g", "0001", "");
const ipv4 = fc.array(octet, { minLength: 3, maxLength: 5 }).map((o) => o.join("."));
const ipv6 = fc.oneof(
  fc.array(group, { minLength: 2, maxLength: 9 }).map((g) => g.join(":")),
  fc.tuple(fc.array(group, { maxLength: 4 }), fc.array(group, { maxLength: 4 })).map(([a, b]) => `${a.join(":")}::${b.join(":")}`),
  fc.tuple(fc.array(group, { maxLength: 6 }), ipv4).map(([a, v4]) => `${a.join(":")}::${v4}`),
  fc.tuple(piece("::1", "fe80::1", "::ffff:1.2.3.4"), piece("%eth0", "%", "%25")).map(([a, z]) => a + z),
);
const maskText = piece("0", "1", "8", "16", "24", "31", "32", "33", "64", "96", "120", "128", "129", "024", "", "x", "-1", "+8", "8 ", "99999999");
const cidrText = fc.oneof(
  fc.tuple(fc.oneof(ipv4, ipv6), maskText).map(([a, m]) => `${a}/${m}`),
  fc.oneof(ipv4, ipv6),
  fc.string({ maxLength: 10 }),
);

const byte = fc.integer({ min: 0, max: 255 });
const v4Address = fc.tuple(byte, byte, byte, byte).map((b) => b.join("."));
const v6Address = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(":"));
const smallV4Cidr = fc.tuple(v4Address, fc.integer({ min: 22, max: 32 })).map(([a, m]) => `${a}/${m}`);
const smallV6Cidr = fc.tuple(v6Address, fc.integer({ min: 118, max: 128 })).map(([a, m]) => `${a}/${m}`);
const mappedCidr = fc.tuple(v4Address, fc.integer({ min: 118, max: 128 })).map(([a, m]) => `::ffff:${a}/${m}`);
/**
 * Two versions whose pre-releases differ only in numbers past int64: OPA's compare never returns
 * on them (toolgate fails the evaluation instead, tested below), so they stay out of the opa eval batch.
 */
function differOnlyBeyondInt64(a: string, b: string): boolean {
  // OPA reads a leading "v" and ignores build metadata.
  const plain = (v: string) => v.replace(/^v/, "").replace(/\+.*$/, "");
  const clamp = (v: string) => plain(v).replace(/\d{19,}/g, (d) => (BigInt(d) > 2n ** 63n - 1n ? "9223372036854775807" : d));
  return plain(a) !== plain(b) && clamp(a) === clamp(b);
}

/** Generated text for cidr_expand that Go expands cheaply or refuses: a short prefix (say ::/100) would have opa eval build hundreds of millions of addresses. */
function smallOrInvalidExpansion(cidr: string): boolean {
  const prefix = /\/(\d+)$/.exec(cidr);
  return prefix === null || Number(prefix[1]) >= 120;
}
const expandV4 = fc.tuple(v4Address, fc.integer({ min: 27, max: 32 })).map(([a, m]) => `${a}/${m}`);
const expandV6 = fc.tuple(v6Address, fc.integer({ min: 123, max: 128 })).map(([a, m]) => `${a}/${m}`);
const expandMapped = fc.tuple(v4Address, fc.integer({ min: 123, max: 128 })).map(([a, m]) => `::ffff:${a}/${m}`);
const anyV4Cidr = fc.tuple(v4Address, fc.integer({ min: 0, max: 32 })).map(([a, m]) => `${a}/${m}`);
/** IPv6 networks whose first byte is not zero: Go's merge panics on ranges that start with a zero byte. */
const highV6Cidr = fc.tuple(fc.integer({ min: 0x100, max: 0xffff }), v6Address, fc.integer({ min: 1, max: 128 }))
  .map(([first, rest, m]) => `${first.toString(16)}:${rest.split(":").slice(1).join(":")}/${m}`);
/** Neighbouring networks, so that merging happens. */
const nearV4Cidr = fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 21, max: 26 }), fc.boolean())
  .map(([c, d, m, bare]) => (bare ? `10.0.${c}.${d}` : `10.0.${c}.${d}/${m}`));
const nearV6Cidr = fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 117, max: 124 })).map(([c, m]) => `2001:db8::${c}00/${m}`);

const address = fc.oneof(v4Address, v6Address, smallV4Cidr, smallV6Cidr, mappedCidr, anyV4Cidr, highV6Cidr,
  fc.constantFrom("::ffff:1.2.3.4", "1.2.3.4", "::/0", "0.0.0.0/0", "::ffff:0:0/96", "10.0.0.0/8", "not an ip"));
const cidrList = fc.oneof(
  fc.array(fc.oneof(address, fc.tuple(address).map((x) => x)), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 2 }), address, { maxKeys: 3 }),
  address,
);

function sample<T>(arb: fc.Arbitrary<T>, n: number, seed: number): T[] {
  return fc.sample(arb, { numRuns: n, seed });
}

/** A rule's value with its sets (arrays here) in a canonical order. */
function canonicalSets(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) =>
    [k, Array.isArray(v) ? [...v].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)) : v]));
}

describe("semver.* and net.cidr_* answer as OPA's Go builtins", () => {
  it("on generated versions, CIDRs, address lists and networks to merge", { timeout: fuzzTimeout() }, async () => {
    const n = fuzzRuns();
    const seed = Date.now();
    const input = {
      versions: sample(semverText, n, seed),
      pairs: sample(fc.tuple(fc.oneof(validSemver, semverText), validSemver), n, seed + 1).filter(([a, b]) => !differOnlyBeyondInt64(a, b)),
      cidrs: sample(cidrText, n, seed + 2),
      expand: sample(fc.oneof(expandV4, expandV6, expandMapped, cidrText.filter(smallOrInvalidExpansion)), Math.ceil(n / 10), seed + 3),
      merge: sample(fc.array(fc.oneof(nearV4Cidr, nearV6Cidr, smallV4Cidr, anyV4Cidr, highV6Cidr, v4Address), { maxLength: 6 }), n, seed + 4),
      matches: sample(fc.tuple(cidrList, cidrList), n, seed + 5),
    };
    const { go, wasm } = await evalBoth(MODULE, input);
    for (const rule of ["valid", "compare", "cidr_valid", "expand", "merge", "matches"]) {
      expect({ rule, seed, value: canonicalSets(wasm[rule]) }).toEqual({ rule, seed, value: canonicalSets(go[rule]) });
    }
    // the batch exercised both answers and failures
    expect(Object.keys(go.compare as object).length).toBeGreaterThan(n / 10);
    expect(Object.keys(go.compare as object).length).toBeLessThan(n);
  });
});

describe("net.cidr_contains_matches on long lists", () => {
  it("300 networks by 300 addresses and networks (90,000 pairs, up to the bound): answered as Go", async () => {
    const networks = Array.from({ length: 300 }, (_, i) => `10.${i % 3}.${i % 256}.0/${22 + (i % 3)}`);
    const others = Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? `10.${i % 3}.${i % 256}.${i % 256}` : `10.${i % 3}.${i % 256}.0/25`));
    const { go, wasm } = await evalBoth("package p\n\nmatches := net.cidr_contains_matches(input.networks, input.others)\n", { networks, others });
    expect(canonicalSets(wasm)).toEqual(canonicalSets(go));
    expect((go.matches as unknown[]).length).toBeGreaterThan(300);
  }, 60_000);
});

describe("inputs toolgate refuses to answer fail the evaluation (deny), never an answer", () => {
  const cases: Array<[string, string]> = [
    ["net.cidr_expand: more addresses than toolgate builds", 'net.cidr_expand("10.0.0.0/8")'],
    [
      "net.cidr_contains_matches: more pairs than toolgate compares (Go compares every pair of two model-sized lists)",
      'net.cidr_contains_matches([sprintf("10.0.%d.0/24", [i]) | some i in numbers.range(0, 316)], [sprintf("10.0.%d.1", [i]) | some i in numbers.range(0, 316)])',
    ],
    ["net.cidr_merge: an IPv4-mapped IPv6 network", 'net.cidr_merge(["::ffff:1.2.3.0/120", "1.2.4.0/24"])'],
    ["net.cidr_merge: IPv6 ranges on which Go's merge panics", 'net.cidr_merge(["::2:0/112", "::3:0/112"])'],
    ["net.cidr_merge: a range across the IPv4-mapped block's edge (Go panics)", 'net.cidr_merge(["255.255.255.0/24", "::1:0:0:0/96"])'],
    ["semver.compare: pre-releases differing only past int64 (OPA's loop never ends)", 'semver.compare("2.2.1-9223372036854775809", "2.2.1-9223372036854775808")'],
    ["semver.compare: the same with a leading v and build metadata", 'semver.compare("v1.1.3-9223372036854775808+build", "1.1.3-9223372036854775809")'],
  ];
  it.each(cases)("%s", async (_name, expression) => {
    const engine = await engineFor(expression);
    expect(() => engine.evaluate({})).toThrow(/toolgate cannot answer as OPA does here/);
  });
});
