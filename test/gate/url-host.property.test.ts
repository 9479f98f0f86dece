// allowed_hosts against the URL parser fetch uses: WHATWG URL (new URL).
// Generated hostile URLs (userinfo, backslashes, percent-encoded and IDN hosts,
// IPv4 in decimal, octal, hex and short forms, IPv6, trailing dots, tabs and
// newlines WHATWG strips, uppercase, ports out of range), mixed with plain
// ones, go through the real gate. Property: whatever the gate allows parses
// with new URL(), with an http(s) protocol and a hostname in the allowed list
// (each list entry read by new URL() too). The gate may refuse more than it
// must; it must never let a fetch go to another host.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { Gate } from "../../src/gate/gate.ts";
import { constraintGate, decide } from "../helpers/constraint-gate.ts";
import { fuzzRuns, fuzzTimeout } from "../helpers/fuzz.ts";

const ALLOWED = ["api.yourcompany.com", "docs.yourcompany.com", "127.0.0.1", "[2001:db8::1]", "xn--bcher-kva.example"];
const allowedHostnames = new Set(ALLOWED.map((h) => new URL(`http://${h}/`).hostname));

let gate: Gate;
beforeAll(async () => {
  gate = await constraintGate(
    `version: 1\ntools:\n  fetch: { effect: allow, constraints: { allowed_hosts: ["${ALLOWED.join('", "')}"], url_fields: [url, urls] } }\n`,
    ["fetch"],
  );
});

const SCHEMES = ["http", "https", "HTTP", "hTtPs", "ftp", "file", "ws", "javascript", "http+s", "httpss", " https", "\thttp"];
const SEPARATORS = ["://", "://", "://", ":/", ":", ":///", ":\\\\", "://\t", ":\\/", "://\n"];
const USERINFO = ["", "", "", "user@", "user:pass@", "api.yourcompany.com@", "a@b@", "%40@", "u:p%40ss@", "@", ":@"];
const HOSTS = [
  "api.yourcompany.com", "docs.yourcompany.com", "API.YourCompany.COM", "api.yourcompany.com.", "127.0.0.1", "[2001:db8::1]",
  "[2001:DB8::1]", "[2001:db8:0::1]", "[2001:db8::1%25eth0]", "xn--bcher-kva.example", "XN--BCHER-KVA.example", "bücher.example",
  "evil.example", "api.yourcompany.com.evil.example", "evilapi.yourcompany.com", "yourcompany.com", "0x7f.1", "0x7F.0.0.1",
  "2130706433", "127.1", "0177.0.0.1", "127.0.0.1.", "127.0.0.01", "127.0.0.256", "[::1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]",
  "api%2eyourcompany.com", "%61pi.yourcompany.com", "ａpi.yourcompany.com", "api。yourcompany.com", "api.yourcompany.com\t",
  "api.your\ncompany.com", "api.yourcompany.\u212aom", "xn--a.example", ".", "a..b", "1e3", "0x", "a.0x1", "", "[", "]",
];
const PORTS = ["", "", "", ":", ":80", ":443", ":65535", ":65536", ":99999", ":0000443", ":000000000000065535", ":-1", ":8a", ": 80", "::80"];
const PATHS = ["", "/", "/x?y#z", "/a/../b", "\\@evil.example/", "/@evil.example", "?@evil.example", "#@evil.example", " x", "/%2e%2e/",
  "/\u00e9\u2028", "?q=\ud800", "?q=\u{1f600}"];
const ODD = ["\t", "\n", "\r", " ", "\u0000", "\u001f", "\u007f", "\\", "/", "@", ":", "#", "?", "%", "[", "]", ".", "\u00a0", "\u3002",
  "\uff0e", "\u200b", "\ufeff", "\u0130", "\u212a", "ß", "\u2028"];

const pick = (xs: readonly string[]): fc.Arbitrary<string> => fc.constantFrom(...xs);
// Allowed hosts half the time, so plenty of generated URLs reach an allow.
const host = fc.oneof(pick(ALLOWED), pick(HOSTS));
const composed = fc.tuple(pick(SCHEMES), pick(SEPARATORS), pick(USERINFO), host, pick(PORTS), pick(PATHS))
  .map((parts) => parts.join(""));
// Mostly well-formed URLs at listed hosts, so plenty of generated values reach an allow.
const plain = fc.tuple(pick(["http", "https", "HTTPS"]), pick(["", "", "u:p@"]), pick(ALLOWED), pick(["", ":8080", ":0443"]), pick(["", "/", "/x?y#z"]))
  .map(([scheme, user, h, port, path]) => `${scheme}://${user}${h}${port}${path}`);
const insert = (s: string, piece: string, at: number): string => {
  const i = at % (s.length + 1);
  return s.slice(0, i) + piece + s.slice(i);
};

const hostile: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: plain },
  { weight: 6, arbitrary: composed },
  { weight: 3, arbitrary: fc.tuple(composed, fc.array(fc.tuple(pick(ODD), fc.nat()), { minLength: 1, maxLength: 2 }))
    .map(([s, pieces]) => pieces.reduce((acc, [p, at]) => insert(acc, p, at), s)) },
  { weight: 1, arbitrary: fc.webUrl({ withQueryParameters: true, withFragments: true }) },
  { weight: 1, arbitrary: fc.tuple(fc.webUrl(), pick(ALLOWED)).map(([u, h]) => u.replace(/^(https?:\/\/)/, `$1${h}@`)) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 30 }) },
);

const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 7, arbitrary: hostile },
  { weight: 2, arbitrary: fc.array(hostile, { minLength: 1, maxLength: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(42, null, { href: "https://api.yourcompany.com/" }, [], [["https://api.yourcompany.com/"]]) },
);

/** What must hold when the gate allows a URL field: WHATWG parses every value to an allowed http(s) host. */
function expectFetchesOnlyAllowed(fields: Record<string, unknown>): void {
  for (const v of Object.values(fields)) {
    for (const s of Array.isArray(v) ? v : [v]) {
      expect(typeof s).toBe("string");
      const url = new URL(s as string);
      expect(["http:", "https:"]).toContain(url.protocol);
      expect(allowedHostnames.has(url.hostname), `${JSON.stringify(s)} -> ${url.hostname}`).toBe(true);
      expect(url.port === "" || Number(url.port) <= 65535).toBe(true);
    }
  }
}

describe("allowed_hosts against WHATWG URL", () => {
  it("never allows a URL whose WHATWG host is not listed", () => {
    const effects: Record<string, number> = {};
    fc.assert(
      fc.property(value, fc.option(value, { nil: undefined, freq: 3 }), (url, urls) => {
        const fields: Record<string, unknown> = urls === undefined ? { url } : { url, urls };
        const decision = decide(gate, "fetch", fields);
        effects[decision.effect] = (effects[decision.effect] ?? 0) + 1;
        if (decision.effect !== "deny") expectFetchesOnlyAllowed(fields);
      }),
      { numRuns: fuzzRuns(), seed: Number(process.env.FUZZ_SEED ?? 20261129) },
    );
    console.log(`allowed_hosts property: effects ${JSON.stringify(effects)}`);
    // The generator must reach both verdicts, or the property says little.
    expect(effects.allow ?? 0).toBeGreaterThan(fuzzRuns() / 40);
    expect(effects.deny ?? 0).toBeGreaterThan(fuzzRuns() / 2);
  }, fuzzTimeout());

  it("allows listed hosts in any case, with userinfo, valid ports, IPv6 and punycode", () => {
    for (const url of [
      "https://API.YourCompany.com:65535/x", "http://u:p%40ss@docs.yourcompany.com/", "http://127.0.0.1:0000080/",
      "https://[2001:DB8::1]/", "https://XN--BCHER-KVA.example/", ["https://api.yourcompany.com/", "http://127.0.0.1/"],
    ]) {
      expect(decide(gate, "fetch", { url }).effect).toBe("allow");
      expectFetchesOnlyAllowed({ url });
    }
  });

  it("refuses what WHATWG reads as another host or rejects", () => {
    for (const url of [
      "https://api.yourcompany.com:65536/", "https://api.yourcompany.com:99999/", "http://0x7f.1/", "http://2130706433/",
      "http://127.1/", "http://0177.0.0.1/", "http://127.0.0.1./", "https://api%2eyourcompany.com/", "https://bücher.example/",
      "https://evil.example\\@api.yourcompany.com/", "https://api.your\tcompany.com/", "https:api.yourcompany.com/",
    ]) {
      expect(decide(gate, "fetch", { url }).reasons.map((r) => r.code)).toEqual(["invalid_url"]);
    }
    expect(decide(gate, "fetch", { url: "https://api.yourcompany.com@evil.example/" }).reasons.map((r) => r.code)).toEqual(["host_not_allowed"]);
    expect(decide(gate, "fetch", { url: "https://api.yourcompany.com./" }).reasons.map((r) => r.code)).toEqual(["host_not_allowed"]);
  });
});
