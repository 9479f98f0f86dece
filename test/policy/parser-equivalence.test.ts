// The framework's URL and email parsers run as one host regex.replace each
// (a cached JS RegExp in the WASM runtime, Go's RE2 under `opa test`). This
// compares them, in both evaluators, with the regex.match-based parsers they
// replaced (test/fixtures/reference-parsers/reference.rego) over thousands of
// generated strings built from the characters that matter: schemes, "@", ports,
// brackets, dots, percent signs, whitespace and control characters, non-ASCII.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { readBundle } from "../../src/policy/bundle.ts";
import { hostBuiltins } from "../../src/policy/builtins/index.ts";
import { CAPABILITIES_FILE, FRAMEWORK_DIR } from "../../src/policy/compile.ts";
import { opaBinary } from "../../src/policy/opa-binary.ts";

const run = promisify(execFile);
const fixtures = path.join(import.meta.dirname, "..", "fixtures", "reference-parsers");

interface DiffResult {
  old_url: Record<string, string>;
  new_url: Record<string, string>;
  old_email: Record<string, string>;
  new_email: Record<string, string>;
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
  "user:p"];
const EMAIL_TOKENS = ["ann", "Ann", "@", "yourcompany.com", "YourCompany.COM", "evil.example", ".", "..", "-", "a-b",
  "x1", "0", ",", ";", "<", ">", "\"eve@evil.example\"", "com", "co"];

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
  "https://api.yourcompany.com/v1", "https://a@b@c/", "https://[::1]:80/x", "http://x:/", "https://x.", "https://.",
];
const emails = [
  ...generate(EMAIL_TOKENS, ["ann@", "ann@yourcompany", "@", "a@b@"], 4000, 11),
  "ann@yourcompany.com", "a@@b.com", "@@b.com", "ann@b.com..", "ann@-b.com", "ann@b-.com", "ann\u000b@b.com",
];

let policyFiles: string[];

beforeAll(async () => {
  const framework = path.join(FRAMEWORK_DIR, "toolgate");
  policyFiles = [
    ...(await readdir(framework)).filter((f) => f.endsWith(".rego") && !f.endsWith("_test.rego")).map((f) => path.join(framework, f)),
    path.join(fixtures, "reference.rego"),
    path.join(fixtures, "diff.rego"),
  ];
});

function expectEquivalent(result: DiffResult): void {
  const mismatches = (inputs: string[], a: Record<string, string>, b: Record<string, string>): string[] =>
    inputs.flatMap((s, i) => (a[String(i)] === b[String(i)] ? [] : [`${JSON.stringify(s)}: ${a[String(i)]} vs ${b[String(i)]}`]));
  expect(mismatches(urls, result.old_url, result.new_url)).toEqual([]);
  expect(mismatches(emails, result.old_email, result.new_email)).toEqual([]);
  // The generator must reach both outcomes, or the comparison says little.
  expect(Object.keys(result.new_url).length).toBeGreaterThan(300);
  expect(Object.keys(result.new_email).length).toBeGreaterThan(300);
}

describe("framework URL/email parsers equal the regex.match-based reference", () => {
  it("in opa (Go, RE2)", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "toolgate-parsers-"));
    const inputFile = path.join(dir, "input.json");
    await writeFile(inputFile, JSON.stringify({ urls, emails }));
    const { stdout } = await run(
      opaBinary(),
      ["eval", "--format", "json", "-i", inputFile, ...policyFiles.flatMap((f) => ["-d", f]), "data.toolgate.diff.result"],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const parsed = JSON.parse(stdout) as { result: Array<{ expressions: Array<{ value: DiffResult }> }> };
    expectEquivalent(parsed.result[0]!.expressions[0]!.value);
  });

  it("in the WASM runtime (native builtins + JS host regex.replace)", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "toolgate-parsers-"));
    const out = path.join(dir, "bundle.tar.gz");
    await run(
      opaBinary(),
      ["build", "-t", "wasm", "-e", "toolgate/diff/result", "--capabilities", CAPABILITIES_FILE, "-r", "parsers", "-o", out, ...policyFiles],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const bundle = await readBundle(out);
    const policy = await loadPolicy(await WebAssembly.compile(bundle.wasm as Uint8Array<ArrayBuffer>), { initial: 64 }, hostBuiltins);
    policy.setData({});
    const resultSet = policy.evaluate({ urls, emails }, "toolgate/diff/result") as Array<{ result: DiffResult }>;
    expectEquivalent(resultSet[0]!.result);
  });
});
