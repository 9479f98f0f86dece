// allowed_domains against the mail library that sends the message: nodemailer.
// Generated hostile addresses (RFC 5322 specials, quotes, comments, display
// names, groups, lists, routes, a second "@", control characters, Unicode
// spaces and look-alikes, IDN, trailing dots), mixed with plain ones, go
// through the real gate. Property: whatever the gate allows, nodemailer's
// address parser reads as exactly that one address (per value), and the SMTP
// envelope nodemailer builds from the field (MimeNode.getEnvelope, the RCPT TO
// list) holds exactly those recipients, all at allowed domains. The gate may
// refuse more than it must; it must never let mail go elsewhere.
import fc from "fast-check";
import addressparser from "nodemailer/lib/addressparser";
import MimeNode from "nodemailer/lib/mime-node";
import { beforeAll, describe, expect, it } from "vitest";
import type { Gate } from "../../src/gate/gate.ts";
import { constraintGate, decide } from "../helpers/constraint-gate.ts";
import { fuzzRuns, fuzzTimeout } from "../helpers/fuzz.ts";

const ALLOWED = ["yourcompany.com", "partner.example", "xn--bcher-kva.example"];

let gate: Gate;
beforeAll(async () => {
  gate = await constraintGate(
    `version: 1\ntools:\n  send_mail: { effect: allow, constraints: { allowed_domains: [${ALLOWED.join(", ")}], address_fields: [to, cc] } }\n`,
    ["send_mail"],
  );
});

const LOCALS = ["ann", "Bob", "a.b", "x_y", "t+tag", "a-b", "0", "ANN", "a.b.c", "_", "_x-", "-ann", "+ann"];
const DOMAINS = [
  "yourcompany.com", "YourCompany.COM", "partner.example", "xn--bcher-kva.example", "XN--BCHER-KVA.example",
  "evil.example", "yourcompany.com.evil", "evil-yourcompany.com", "mail.yourcompany.com", "yourcompany.com.",
  "bücher.example", "[1.2.3.4]", "[IPv6:::1]", "1.2.3.4", "yourcompany..com", "-yourcompany.com", "yourcompany-.com",
  "ｙourcompany.com", "yourcompany.\u212aom", "localhost", "yourcompany.com\u0000", "a".repeat(64) + ".com",
];
const ODD = [
  "\"", "(", ")", ",", ":", ";", "<", ">", "@", "[", "]", "\\", ".", "..", " ", "\t", "\n", "\r", "\r\n ", "\u0000", "\u0001",
  "\u007f", "\u0085", "\u00a0", "\u1680", "\u2000", "\u2028", "\u3000", "\uff20", "\ufe6b", "\u200b", "\ufeff", "%", "!", "'",
  "`", "=", "?", "#", "$", "&", "*", "/", "^", "{", "|", "}", "~", "é", "\u0130", "\ud83d\ude00", "\ud800", "=?utf-8?q?a?=",
];

const local = fc.constantFrom(...LOCALS);
// Listed domains half the time, so plenty of generated values reach an allow.
const domain = fc.oneof(fc.constantFrom(...ALLOWED, "YourCompany.COM", "XN--BCHER-KVA.example"), fc.constantFrom(...DOMAINS));
const odd = fc.constantFrom(...ODD);
const plain = fc.tuple(local, domain).map(([l, d]) => `${l}@${d}`);

/** Inserts `piece` into `s` at a position picked by `at`. */
const insert = (s: string, piece: string, at: number): string => {
  const i = at % (s.length + 1);
  return s.slice(0, i) + piece + s.slice(i);
};

const hostile: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: plain },
  { weight: 4, arbitrary: fc.tuple(plain, fc.array(fc.tuple(odd, fc.nat()), { minLength: 1, maxLength: 3 }))
    .map(([s, pieces]) => pieces.reduce((acc, [p, at]) => insert(acc, p, at), s)) },
  { weight: 1, arbitrary: fc.tuple(plain, domain).map(([a, d]) => `${a}@${d}`) },
  { weight: 1, arbitrary: fc.tuple(local, domain, domain).map(([l, d1, d2]) => `"${l}@${d1}"@${d2}`) },
  { weight: 1, arbitrary: fc.tuple(local, domain, domain).map(([l, d1, d2]) => `${l}(${l}@${d1})@${d2}`) },
  { weight: 1, arbitrary: fc.tuple(plain, plain).map(([a, b]) => `${a.split("@")[0]} <${b}>`) },
  { weight: 1, arbitrary: fc.tuple(plain, plain).map(([a, b]) => `<${a}> ${b}`) },
  { weight: 1, arbitrary: fc.tuple(plain, plain).map(([a, b]) => `g: ${a}, ${b};`) },
  { weight: 1, arbitrary: fc.tuple(plain, plain, fc.constantFrom(",", ";", " ", ", ", "\n")).map(([a, b, sep]) => `${a}${sep}${b}`) },
  { weight: 1, arbitrary: fc.tuple(domain, plain).map(([d, a]) => `@${d}:${a}`) },
  { weight: 1, arbitrary: fc.tuple(local, domain, domain).map(([l, d1, d2]) => `${l}%${d1}@${d2}`) },
  { weight: 1, arbitrary: fc.tuple(local, domain, domain).map(([l, d1, d2]) => `${d1}!${l}@${d2}`) },
  { weight: 1, arbitrary: fc.tuple(fc.string({ minLength: 1, maxLength: 70, unit: fc.constantFrom("a", ".", "-", "_") }), domain).map(([l, d]) => `${l}@${d}`) },
  { weight: 1, arbitrary: fc.emailAddress() },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 30 }) },
);

const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: hostile },
  { weight: 3, arbitrary: fc.array(hostile, { minLength: 1, maxLength: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(42, null, true, { address: "ann@yourcompany.com" }, [], [["ann@yourcompany.com"]]) },
);

const domainOf = (address: string): string => address.slice(address.lastIndexOf("@") + 1).toLowerCase();

/** What must hold when the gate allows `to`/`cc`: nodemailer reads each value as itself, and sends only to allowed domains. */
function expectDeliveredOnlyToAllowed(fields: Record<string, unknown>): void {
  const values: string[] = [];
  for (const v of Object.values(fields)) {
    for (const s of Array.isArray(v) ? v : [v]) {
      expect(typeof s).toBe("string");
      values.push(s as string);
      expect(addressparser(s as string)).toEqual([{ address: s, name: "" }]);
    }
  }
  const node = new MimeNode();
  for (const [key, v] of Object.entries(fields)) node.setHeader(key, v as string | string[]);
  const recipients = node.getEnvelope().to as string[];
  expect(new Set(recipients.map((r) => r.toLowerCase()))).toEqual(new Set(values.map((s) => s.toLowerCase())));
  for (const r of recipients) expect(ALLOWED).toContain(domainOf(r));
}

describe("allowed_domains against nodemailer", () => {
  it("never allows an address nodemailer would read as another, or send elsewhere", () => {
    const effects: Record<string, number> = {};
    fc.assert(
      fc.property(value, fc.option(value, { nil: undefined, freq: 3 }), (to, cc) => {
        const fields: Record<string, unknown> = cc === undefined ? { to } : { to, cc };
        const decision = decide(gate, "send_mail", fields);
        effects[decision.effect] = (effects[decision.effect] ?? 0) + 1;
        if (decision.effect !== "deny") expectDeliveredOnlyToAllowed(fields);
      }),
      { numRuns: fuzzRuns(), seed: Number(process.env.FUZZ_SEED ?? 20261129) },
    );
    console.log(`allowed_domains property: effects ${JSON.stringify(effects)}`);
    // The generator must reach both verdicts, or the property says little.
    expect(effects.allow ?? 0).toBeGreaterThan(fuzzRuns() / 40);
    expect(effects.deny ?? 0).toBeGreaterThan(fuzzRuns() / 2);
  }, fuzzTimeout());

  it("allows plain addresses at listed domains, in any case, as strings and lists", () => {
    for (const to of ["ann@yourcompany.com", "A.B_c+tag-1@YourCompany.COM", ["ann@partner.example", "bob@xn--bcher-kva.example"]]) {
      const decision = decide(gate, "send_mail", { to });
      expect(decision.effect).toBe("allow");
      expectDeliveredOnlyToAllowed({ to });
    }
  });

  it("refuses the forms nodemailer reads as another recipient", () => {
    for (const to of [
      "ann@yourcompany.com@evil.example", "eve@evil.example(x)@yourcompany.com", "\"eve@evil.example\"@yourcompany.com",
      "Ann <eve@evil.example>", "g: eve@evil.example;", "ann@yourcompany.com,eve@evil.example", "@evil.example:ann@yourcompany.com",
      "ann\u00a0@yourcompany.com", "ann\uff20yourcompany.com", "ann@bücher.example",
    ]) {
      expect(decide(gate, "send_mail", { to }).reasons.map((r) => r.code)).toEqual(["invalid_address"]);
    }
  });
});
