// What a serverless cold start loads: a fresh Node process imports the
// package entry, opens the seed bundle with Gate.open and decides one call.
// Modules a gate does not need (other stores, servers, adapters, parsers of
// builtins the policy never calls, the SDK's yaml) must stay unloaded, or the
// cold start pays for them again; `make bench` (cold-start) times it.
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { readBundle } from "../../src/policy/bundle.ts";
import { instantiatePolicy } from "../../src/policy/wasm-instance.ts";
import { buildSeedBundle, repoRoot } from "../helpers/seed-bundle.ts";

const exec = promisify(execFile);

// Records every module the process resolves (import and require), in phases.
const CHILD = `
import { registerHooks } from "node:module";
import { readFileSync } from "node:fs";
const [entry, bundle, toolsFile] = process.argv.slice(1);
const loaded = { import: [], open: [], decide: [] };
let phase = "import";
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); loaded[phase].push(r.url); return r; } });
const tools = JSON.parse(readFileSync(toolsFile, "utf8"));
const { Gate } = await import(entry);
phase = "open";
const gate = await Gate.open(bundle, { tools });
phase = "decide";
const effect = gate.evaluate({ surface: "chat", assistant_id: "asst_support", call_id: "c1", name: "get_customer", arguments: '{"customer_id":"c-1"}' }).decision.effect;
process.stdout.write(JSON.stringify({ effect, loaded }));
`;

interface ColdStart {
  effect: string;
  loaded: Record<"import" | "open" | "decide", string[]>;
}

/** A resolved URL as a short name: "node:http", "pkg:yaml", or the path under src/. */
const shortName = (url: string): string => {
  if (url.startsWith("node:")) return url;
  const inModules = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (inModules) return `pkg:${inModules[1]}`;
  return url.replace(/^.*\/src\//, "");
};

describe("cold start (fresh process: import, Gate.open on the seed bundle, one decision)", () => {
  let run: ColdStart;
  const names = (...phases: Array<keyof ColdStart["loaded"]>): Set<string> => new Set(phases.flatMap((p) => run.loaded[p].map(shortName)));

  beforeAll(async () => {
    const bundle = await buildSeedBundle();
    const { stdout } = await exec(
      process.execPath,
      ["--input-type=module", "-e", CHILD, path.join(repoRoot, "src", "index.ts"), bundle, path.join(repoRoot, "rego", "tools.json")],
      { cwd: repoRoot },
    );
    run = JSON.parse(stdout) as ColdStart;
  }, 60_000);

  it("decides the call", () => {
    expect(run.effect).toBe("allow");
  });

  it("opening a gate loads no store, server, worker, adapter SDK or compiler", () => {
    const opened = names("import", "open");
    for (const unwanted of ["node:http", "node:sqlite", "node:worker_threads", "node:readline/promises", "pkg:pg", "pkg:openai", "pkg:chokidar", "pkg:commander"]) {
      expect(opened, unwanted).not.toContain(unwanted);
    }
    for (const unwanted of ["budget/sqlite-budget-store.ts", "budget/postgres-budget-store.ts", "killswitch/sqlite-kill-switch-store.ts", "policy/compile.ts", "policy/config.ts", "replay/replay.ts", "openai/chat.ts"]) {
      expect(opened, unwanted).not.toContain(unwanted);
    }
  });

  it("the SDK's JS builtins (and yaml) stay unloaded: the seed policy calls only toolgate's own", () => {
    const all = names("import", "open", "decide");
    expect(all).not.toContain("pkg:yaml");
    expect(all).not.toContain("pkg:sprintf-js");
  });

  it("only the builtin files the policy imports are loaded, when the gate opens", () => {
    expect(names("import")).not.toContain("policy/builtins/strings.ts");
    const opened = names("open");
    for (const used of ["policy/builtins/strings.ts", "policy/builtins/time.ts", "policy/builtins/regex.ts"]) expect(opened, used).toContain(used);
    for (const unused of ["policy/builtins/jwt.ts", "policy/builtins/net.ts", "policy/builtins/graphql.ts", "policy/builtins/units.ts", "policy/builtins/crypto.ts"]) {
      expect(names("import", "open", "decide"), unused).not.toContain(unused);
    }
  });

  it("ajv is loaded by the first call that needs a tool's schema, not before (the generated validators use only its runtime helpers)", () => {
    const ajvItself = (url: string): boolean => url.endsWith("/node_modules/ajv/dist/ajv.js");
    expect([...run.loaded.import, ...run.loaded.open].filter(ajvItself)).toEqual([]);
    expect(run.loaded.decide.some(ajvItself)).toBe(true);
  });
});

describe("the SDK's LoadedPolicy toolgate evaluates with", () => {
  it("is the class of the SDK's own opa.js, unchanged", async () => {
    const bundle = await readBundle(await buildSeedBundle());
    const policy = instantiatePolicy(await WebAssembly.compile(bundle.wasm as Uint8Array<ArrayBuffer>), 64, new Map());
    const sdk = createRequire(import.meta.url)("@open-policy-agent/opa-wasm") as { LoadedPolicy: { toString(): string } };
    expect(policy.constructor.toString()).toBe(sdk.LoadedPolicy.toString());
  }, 60_000);
});
