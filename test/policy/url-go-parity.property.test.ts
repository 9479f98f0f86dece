// uri.* and urlquery.* (host builtins, a port of Go's net/url) answer as
// OPA's Go builtins on generated URLs: one module evaluated by `opa eval` (Go)
// and by the WASM runtime over the same batch, every answer compared. A value
// Go would decode to invalid UTF-8 fails the evaluation instead (tested apart).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PolicyEngine } from "../../src/policy/engine.ts";
import { fuzzRuns, fuzzTimeout } from "../helpers/fuzz.ts";
import { evalBoth, toolgateEngine } from "./go-parity.ts";

const MODULE = `package p

parsed := {i: uri.parse(u) | some i, u in input.urls}
valid := {i: uri.is_valid(u) | some i, u in input.urls}
query_encode := {i: urlquery.encode(u) | some i, u in input.urls}
query_decode := {i: urlquery.decode(u) | some i, u in input.urls}
query_decode_object := {i: urlquery.decode_object(u) | some i, u in input.urls}
query_encode_object := {i: urlquery.encode_object(o) | some i, o in input.objects}
query_encode_set := {i: urlquery.encode_object({k: {v | some v in vs}}) | some i, [k, vs] in input.sets}
`;

const piece = (...xs: string[]): fc.Arbitrary<string> => fc.constantFrom(...xs);
const escapes = piece("%41", "%2F", "%2f", "%20", "%25", "%3A", "%40", "%3F", "%23", "%c3%a9", "%E2%82%AC", "%zz", "%4", "%", "%00", "%7f");
const text = (chars: string): fc.Arbitrary<string> => fc.array(fc.oneof(piece(...chars.split("")), escapes, piece("é", "€", "😀", " ", "\t")), { maxLength: 6 }).map((a) => a.join(""));
const scheme = piece("http", "https", "HTTP", "Https", "pg", "mailto", "file", "a+b-c.d", "1x", "", "x_y");
const userinfo = fc.option(text("abc:@!$&'()*+,;=-._~<> "), { nil: undefined });
const host = fc.oneof(
  piece("example.com", "EXAMPLE.com", "a", "", "10.0.0.1", "a:1,b:2", "h:80:90", "foo]bar", "exa%6dple.com", "%c3%a9x.com", "ex%2Fa"),
  piece("[::1]", "[fe80::1%25en0]", "[fe80::1%25]", "[fe80::1%en0]", "[1.2.3.4]", "[::ffff:1.2.3.4]", "[::1", "x[::1]", "[::1]x", "[fe80::1%25%41]", "[fe80::1%25%2F]"),
  text("abc.-:[]%!$&'()*+,;=<>\"_~"),
);
const port = piece("", ":", ":80", ":8080", ":x", ":٣٤", "::80", ":65536", ":0080");
const pathPart = fc.oneof(piece("", "/", "/a/b", "//x", "///x", "/a:b", "a:b/c", "/*", "*"), text("/abc:@&=+$,;?!()*'[]-._~<>\"{}|\\^`"));
const query = fc.option(text("abc=&+?/:@#").map((q) => `?${q}`), { nil: "" });
const fragment = fc.option(text("abc=&+?/:@#!()*'").map((f) => `#${f}`), { nil: "" });
const url = fc.oneof(
  fc.tuple(scheme, piece("://", ":", ":/", "//", ""), userinfo, host, port, pathPart, query, fragment)
    .map(([s, sep, u, h, p, pa, q, f]) => `${s}${sep}${u === undefined ? "" : `${u}@`}${h}${p}${pa}${q}${f}`),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: fc.constantFrom(..."h:/[]@%?#:1a.".split("")), maxLength: 16 }),
);

/** The gate's engine for `package toolgate` with `decision := <expression>`. */
const engineFor = (expression: string): Promise<PolicyEngine> => toolgateEngine(`decision := ${expression}`);

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Whether some %XX of u (UTF-8 bytes, one char per byte) decodes to bytes that are not UTF-8 (toolgate refuses those). */
function decodesToInvalidUtf8(u: string): boolean {
  const decoded = u.replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  try {
    strictUtf8.decode(Buffer.from(decoded, "latin1"));
    return false;
  } catch {
    return true;
  }
}

describe("uri.* and urlquery.* answer as OPA's Go builtins", () => {
  it("on generated URLs and query objects: schemes, userinfo, IP literals with zones, ports, escapes, opaque and relative forms", { timeout: fuzzTimeout() }, async () => {
    const seed = Date.now();
    const urls = fc.sample(url, { numRuns: fuzzRuns(), seed })
      .map((u) => Buffer.from(u, "utf8").toString("latin1"))
      .filter((bytes) => !decodesToInvalidUtf8(bytes))
      .map((bytes) => Buffer.from(bytes, "latin1").toString("utf8"));
    const value = fc.oneof(fc.string({ maxLength: 6 }), text("a =&+?#%;"));
    const objects = fc.sample(fc.dictionary(fc.oneof(fc.string({ maxLength: 4 }), text("k =&")),
      fc.oneof(value, fc.array(value, { maxLength: 3 }), fc.constant(1), fc.constant([1]), fc.constant({})), { maxKeys: 4 }), { numRuns: fuzzRuns(), seed: seed + 1 });
    const sets = fc.sample(fc.tuple(fc.string({ maxLength: 3 }), fc.array(value, { maxLength: 4 })), { numRuns: Math.ceil(fuzzRuns() / 10), seed: seed + 2 });
    const { go, wasm } = await evalBoth(MODULE, { urls, objects, sets });
    for (const rule of ["parsed", "valid", "query_encode", "query_decode", "query_decode_object", "query_encode_object", "query_encode_set"]) {
      expect({ seed, rule, value: wasm[rule] }).toEqual({ seed, rule, value: go[rule] });
    }
    const parsedCount = Object.keys(go.parsed as object).length;
    expect(parsedCount).toBeGreaterThan(urls.length / 10);
    expect(parsedCount).toBeLessThan(urls.length);
  });

  it("many values under one key (encode_object of a 60,000-string array, decode_object of 9,999 repeats of one parameter): answered as Go", async () => {
    const values = Array.from({ length: 60_000 }, (_, i) => (i % 3 === 0 ? "a b" : "x"));
    const { go, wasm } = await evalBoth(
      `package p\n\nencoded := urlquery.encode_object({"k": input.values})\ndecoded := urlquery.decode_object(input.query)\n`,
      { values, query: "a=1&".repeat(9_999) },
    );
    expect(wasm).toEqual(go);
    expect((wasm.decoded as Record<string, string[]>).a).toHaveLength(9_999);
    expect(wasm.encoded).toMatch(/^k=a\+b&k=x&k=x&k=a\+b/);
  }, 60_000);

  it.each(["http://a/%ff", "http://a/x#%c3", "http://%e9x.com/", "http://a/?q#%80%80"])("%s: a part Go decodes to invalid UTF-8 fails the evaluation (deny)", async (u) => {
    const engine = await engineFor(`uri.parse(${JSON.stringify(u)})`);
    expect(() => engine.evaluate({})).toThrow(/toolgate cannot answer as OPA does here/);
  });
});
