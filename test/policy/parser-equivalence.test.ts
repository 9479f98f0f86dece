// The framework parses each URL and address list with one host regex.replace
// (a cached JS RegExp in the WASM runtime, Go's RE2 under `opa test`), one
// value per line. Over thousands of generated strings built from the
// characters that matter (schemes, "@", ports, brackets, dots, percent signs,
// whitespace and control characters, non-ASCII, newlines), this checks that
// both evaluators parse every value alike, and that what they parse agrees
// with the real parsers: WHATWG URL (what fetch connects to) for hosts,
// nodemailer's address parser for addresses.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { loadPolicy } from "@open-policy-agent/opa-wasm";
import addressparser from "nodemailer/lib/addressparser";
import { beforeAll, describe, expect, it } from "vitest";
import { readBundle } from "../../src/policy/bundle.ts";
import { hostBuiltinNames, loadHostBuiltins } from "../../src/policy/builtins/index.ts";
import { CAPABILITIES_FILE, FRAMEWORK_DIR } from "../../src/policy/compile.ts";
import { opaBinary } from "../../src/policy/opa-binary.ts";

const run = promisify(execFile);
const fixtures = path.join(import.meta.dirname, "..", "fixtures", "framework-parsers");

/** Per value, the framework's parse: a host (lower-cased, IPv6 in brackets) or a domain; "" when refused. */
interface ParseResult {
  hosts: string[];
  domains: string[];
}

/** Deterministic generator (mulberry32), so a failure names a reproducible input. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ODD = [" ", "\t", "\n", "\r", "\f", "\v", "\u0000", "\u001f", "\u007f", "\u0085", "\u00a0", "\u2028", "\ufeff",
  "\u200b", "\\", "%", "%2e", "%40", "é", "\u212a", "\u0130", "ß", "😀", "_", "~", "\"", "'", "$1", "$"];
const URL_TOKENS = ["http", "https", "HTTPS", "hTtP", "ftp", "http+x", "://", ":", "/", "//", "?", "#", "@", "[", "]",
  "::1", "2001:DB8::1", "1.2.3.4", "api.yourcompany.com", "evil.example", ".", "-", "8080", "80a", "a", "Z", "0",
  "user:p", "65535", "65536", "0x7f", "127.1", "0177", "xn--bcher-kva", "\n"];
const EMAIL_TOKENS = ["ann", "Ann", "@", "yourcompany.com", "YourCompany.COM", "evil.example", ".", "..", "-", "a-b",
  "x1", "0", ",", ";", "<", ">", "\"eve@evil.example\"", "com", "co", "+", "_", "(", ")", ":", "[", "]", "\n", "a".repeat(70)];

function generate(tokens: string[], prefixes: string[], count: number, seed: number): string[] {
  const next = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let s = next() < 0.7 ? pick(prefixes) : "";
    const n = 1 + Math.floor(next() * 8);
    for (let j = 0; j < n; j++) s += next() < 0.15 ? pick(ODD) : pick(tokens);
    out.push(s);
  }
  return out;
}

const urls = [
  ...generate(URL_TOKENS, ["https://", "http://", "HTTP://", "https://user@", "https://api.yourcompany.com", "https://["], 4000, 7),
  // Mostly host-shaped tokens, so many values parse and are compared.
  ...generate(["api", "yourcompany", "com", ".", "-", "0", "1", "255", "256", "0x1f", "xn--bcher-kva", "Z", ":", ":8080", "/", "?q", "#f", "@"],
    ["https://", "http://", "HTTP://u:p@", "https://a@b@"], 2000, 13),
  ...generate(["api", "yourcompany", "com", ".", "-", "0", "1", "255", "xn--bcher-kva", "Z"], ["https://", "http://"], 1000, 19),
  "https://api.yourcompany.com/v1", "https://a@b@c/", "https://[::1]:80/x", "http://x:/", "https://x.", "https://.",
];
const emails = [
  ...generate(EMAIL_TOKENS, ["ann@", "ann@yourcompany", "@", "a@b@"], 4000, 11),
  ...generate(["a", "B", "0", ".", "-", "yourcompany", "com", "xn--bcher-kva"], ["ann@", "a.b@", "x+y@", "a_b@"], 2000, 17),
  "ann@yourcompany.com", "a@@b.com", "@@b.com", "ann@b.com..", "ann@-b.com", "ann@b-.com", "ann\u000b@b.com",
];

let policyFiles: string[];

beforeAll(async () => {
  const framework = path.join(FRAMEWORK_DIR, "toolgate");
  policyFiles = [
    ...(await readdir(framework)).filter((f) => f.endsWith(".rego") && !f.endsWith("_test.rego")).map((f) => path.join(framework, f)),
    path.join(fixtures, "parsers.rego"),
  ];
});

/** What a parsed value must mean to the real parser; undefined when they agree. */
function urlDisagreement(value: string, host: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // WHATWG refuses invalid punycode and IPv6 that the framework leaves to the allowlist's exact match.
    return /(^|\.)xn--/.test(host) || host.startsWith("[") ? undefined : "WHATWG refuses it";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `protocol ${url.protocol}`;
  // IPv6 is compared as written (lower-cased); WHATWG compresses it. Same text, same address.
  if (host.startsWith("[")) return url.hostname.startsWith("[") ? undefined : `hostname ${url.hostname}`;
  return url.hostname === host ? undefined : `hostname ${url.hostname}`;
}

function emailDisagreement(value: string, domain: string): string | undefined {
  const parsed = addressparser(value);
  if (parsed.length !== 1 || parsed[0]!.address !== value || parsed[0]!.name !== "") return `nodemailer reads ${JSON.stringify(parsed)}`;
  return value.slice(value.lastIndexOf("@") + 1).toLowerCase() === domain ? undefined : "another domain";
}

function expectAgreesWithRealParsers(result: ParseResult): void {
  expect(result.hosts.slice(0, urls.length)).toHaveLength(urls.length);
  expect(result.domains.slice(0, emails.length)).toHaveLength(emails.length);
  const mismatches = (inputs: string[], parsed: string[], check: (v: string, p: string) => string | undefined): string[] =>
    inputs.flatMap((v, i) => {
      const p = parsed[i]!;
      const problem = p === "" ? undefined : check(v, p);
      return problem === undefined ? [] : [`${JSON.stringify(v)} -> ${p}: ${problem}`];
    });
  expect(mismatches(urls, result.hosts, urlDisagreement)).toEqual([]);
  expect(mismatches(emails, result.domains, emailDisagreement)).toEqual([]);
  // The generator must reach both outcomes, or the comparison says little.
  expect(result.hosts.filter((h) => h !== "").length).toBeGreaterThan(300);
  expect(result.domains.filter((d) => d !== "").length).toBeGreaterThan(300);
}

let opaResult: ParseResult;

describe("framework URL/email list parsers: opa and WASM alike, and agreeing with WHATWG URL and nodemailer", () => {
  it("in opa (Go, RE2)", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "toolgate-parsers-"));
    const inputFile = path.join(dir, "input.json");
    await writeFile(inputFile, JSON.stringify({ urls, emails }));
    const { stdout } = await run(
      opaBinary(),
      ["eval", "--format", "json", "-i", inputFile, ...policyFiles.flatMap((f) => ["-d", f]), "data.toolgate.parsers.result"],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const parsed = JSON.parse(stdout) as { result: Array<{ expressions: Array<{ value: ParseResult }> }> };
    opaResult = parsed.result[0]!.expressions[0]!.value;
    expectAgreesWithRealParsers(opaResult);
  });

  it("in the WASM runtime (native builtins + JS host regex.replace)", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "toolgate-parsers-"));
    const out = path.join(dir, "bundle.tar.gz");
    await run(
      opaBinary(),
      ["build", "-t", "wasm", "-e", "toolgate/parsers/result", "--capabilities", CAPABILITIES_FILE, "-r", "parsers", "-o", out, ...policyFiles],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const bundle = await readBundle(out);
    const policy = await loadPolicy(await WebAssembly.compile(bundle.wasm as Uint8Array<ArrayBuffer>), { initial: 64 }, await loadHostBuiltins(hostBuiltinNames));
    policy.setData({});
    const resultSet = policy.evaluate({ urls, emails }, "toolgate/parsers/result") as Array<{ result: ParseResult }>;
    const wasmResult = resultSet[0]!.result;
    expectAgreesWithRealParsers(wasmResult);
    // Run after the opa test (vitest runs a file's tests in order): RE2 and JS read the patterns alike.
    expect(wasmResult).toEqual(opaResult);
  });
});
