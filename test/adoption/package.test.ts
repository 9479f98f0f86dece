// A stranger adopting toolgate: the packed tarball installed into a fresh
// project (offline, from the tarball and the npm cache), then exactly the
// README's "Use it in your project" commands, a TypeScript program type-checked
// with tsc and run, and nothing from this repository but the opa binary.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/seed-bundle.ts";

const exec = promisify(execFile);
// The project's pinned Node runs npm's scripts, npx and the installed bin (the system node may be older).
const nodeBin = path.dirname(process.execPath);
const opa = path.join(repoRoot, ".tools", "bin", "opa");
// npm and npx as the user has them (the system's), found on this process's PATH outside this repo.
const npmDir = (process.env.PATH ?? "")
  .split(path.delimiter)
  .find((dir) => dir !== "" && !path.resolve(dir).startsWith(repoRoot) && existsSync(path.join(dir, "npm")));
const tsc = path.join(repoRoot, "node_modules", "typescript", "bin", "tsc");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; stdin?: string }): Promise<Run> {
  const child = exec(command, args, { cwd: options.cwd, env: options.env ?? userEnv(), maxBuffer: 64 * 1024 * 1024 });
  if (options.stdin !== undefined) child.child.stdin?.end(options.stdin);
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/** What a user's shell has: Node on PATH, opa named by TOOLGATE_OPA (the README's way), nothing of this repo's PATH. */
function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { TOOLGATE_POLICY_DIR: _dir, TOOLGATE_OPA: _opa, ...rest } = process.env;
  const PATH = [nodeBin, ...(npmDir ? [npmDir] : []), "/usr/bin", "/bin"].join(path.delimiter);
  return { ...rest, PATH, TOOLGATE_OPA: opa, npm_config_update_notifier: "false", ...extra };
}

/** The README's "Use it in your project" section: its shell commands (after the install) and its TypeScript program. */
async function readmeSection(): Promise<{ commands: string[]; program: string }> {
  const readme = await readFile(path.join(repoRoot, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Use it in your project"), readme.indexOf("\n## ", readme.indexOf("## Use it in your project") + 3));
  const block = (lang: string) => {
    const match = new RegExp("```" + lang + "\\n([\\s\\S]*?)```").exec(section);
    if (!match) throw new Error(`README's "Use it in your project" has no \`\`\`${lang} block`);
    return match[1]!;
  };
  const commands = block("sh")
    .replace(/\\\n\s*/g, "")
    .split("\n")
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter((line) => line !== "");
  return { commands, program: block("ts") };
}

const TSCONFIG = {
  compilerOptions: { target: "ES2024", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, types: ["node"], skipLibCheck: true },
  include: ["app.ts"],
};

/** One builtin of each of toolgate's host builtin files (src/policy/builtins), with Go's answers. */
const HOST_BUILTINS_TEST = `package builtins_test

import rego.v1

test_host_builtins_load if {
	sprintf("%d-%s", [7, "x"]) == "7-x"
	time.parse_rfc3339_ns("1970-01-01T00:00:01Z") == 1000000000
	regex.replace("a1b2", \`[0-9]\`, "") == "ab"
	crypto.sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	hex.encode("hi") == "6869"
	units.parse_bytes("1KiB") == 1024
	io.jwt.decode("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")[1] == {"sub": "x"}
	semver.compare("1.0.0", "2.0.0") == -1
	net.cidr_is_valid("10.0.0.0/8")
	uri.is_valid("https://example.com/a")
	urlquery.encode("a b") == "a+b"
	object.subset({"a": 1, "b": 2}, {"a": 1})
	numbers.range_step(1, 5, 2) == [1, 3, 5]
	uuid.parse("00000000-0000-0000-0000-000000000000").version == 0
	graphql.is_valid("{ a }", "type Query { a: Int }")
}
`;

/** Every entry of the installed package, and the modules its API imports on first use. */
const ENTRIES_PROGRAM = `
import { readFileSync } from "node:fs";
import * as toolgate from "toolgate";
import * as gateOnly from "toolgate/gate";
import * as agents from "toolgate/agents";
import * as testing from "toolgate/testing";
const tools = JSON.parse(readFileSync("policy/tools.json", "utf8"));
const call = { surface: "chat", assistant_id: "support", call_id: "c1", name: "get_order", arguments: '{"order_id":"ord_1"}' };
const pool = await toolgate.GatePool.open({ bundlePath: "build/bundle.tar.gz", tools, workers: 1 });
const pooled = (await pool.decide(call)).effect;
await pool.close();
const log = await toolgate.DecisionLog.open({ path: "entries-log.jsonl" });
const gate = await gateOnly.Gate.open("build/bundle.tar.gz", { tools, recorder: new toolgate.AuditRecorder(log) });
const decided = (await gate.decide(call)).effect;
await log.close();
let records = 0;
for await (const _ of toolgate.readLog("entries-log.jsonl")) records++;
const verified = (await toolgate.verifyLog("entries-log.jsonl")).ok;
const replayed = (await toolgate.replayLog("entries-log.jsonl", { engine: await toolgate.PolicyEngine.open("build/bundle.tar.gz") })).counts.unchanged;
const budgets = await toolgate.openBudgetStore(":memory:");
const budgetUsage = await budgets.list(Date.now());
await budgets.close();
console.log(JSON.stringify({ sameGate: gateOnly.Gate === toolgate.Gate, pooled, decided, records, verified, replayed, budgetUsage, agents: Object.keys(agents).sort(), testing: Object.keys(testing).sort() }));
`;

/** A serverless cold start: import the entry (argv[1]), Gate.open, one decision; every module resolved on the way, by phase. */
const COLD_START_PROGRAM = `
import { registerHooks } from "node:module";
import { readFileSync } from "node:fs";
const loaded = { imported: [], opened: [] };
let phase = "imported";
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); loaded[phase].push(r.url); return r; } });
const tools = JSON.parse(readFileSync("policy/tools.json", "utf8"));
const { Gate } = await import(process.argv[1]);
phase = "opened";
const gate = await Gate.open("build/bundle.tar.gz", { tools });
const effect = gate.evaluate({ surface: "chat", assistant_id: "support", call_id: "c1", name: "get_order", arguments: '{"order_id":"ord_1"}' }).decision.effect;
process.stdout.write(JSON.stringify({ effect, ...loaded }));
`;

describe("adoption: npm pack -> install in a fresh project -> README commands", () => {
  let work: string;
  let project: string;
  let tarball: string;
  let packed: { files: { path: string }[]; integrity: string };

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), "toolgate-adoption-"));
    // prepack builds dist/ with tsc.
    const pack = await run("npm", ["pack", "--json", "--pack-destination", work], { cwd: repoRoot, env: { ...process.env, npm_config_update_notifier: "false" } });
    expect(pack.stderr).not.toMatch(/npm error/);
    expect(pack.code).toBe(0);
    packed = (JSON.parse(pack.stdout) as (typeof packed & { filename: string })[])[0]!;
    tarball = path.join(work, (JSON.parse(pack.stdout) as { filename: string }[])[0]!.filename);

    project = path.join(work, "adopter");
    await run("mkdir", ["-p", project], { cwd: work });
    const manifest = {
      name: "adopter",
      private: true,
      type: "module",
      dependencies: { toolgate: `file:${path.relative(project, tarball)}`, openai: "7.57.0" },
      devDependencies: { "@types/node": "24.19.2" },
    };
    await writeFile(path.join(project, "package.json"), JSON.stringify(manifest, null, 2));
    await writeFile(path.join(project, "package-lock.json"), JSON.stringify(await lockfileFor(manifest, path.relative(project, tarball), packed.integrity), null, 2));
    const install = await run("npm", ["ci", "--offline", "--no-audit", "--no-fund"], { cwd: project });
    expect(install.stderr).not.toMatch(/npm error/);
    expect(install.code).toBe(0);
  }, 240_000);

  afterAll(() => rm(work, { recursive: true, force: true }));

  it("the tarball holds dist, docs, LICENSE, schemas, framework, templates, the capabilities file, and nothing from test/ or src/", async () => {
    const dry = await run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: repoRoot, env: process.env });
    const files = (JSON.parse(dry.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    expect(files.sort()).toEqual(packed.files.map((f) => f.path).sort());
    for (const needed of [
      "dist/index.js", "dist/index.d.ts", "dist/cli/bin.js", "dist/openai/agents.js", "dist/dev/openai-server/index.js",
      "docs/policy-config.md", "docs/reason-codes.md", "docs/policy-test.md", "LICENSE", "README.md",
      "schemas/toolgate-config.schema.json", "framework/toolgate/decision.rego", "framework/toolgate/testing.rego",
      "build/capabilities.json", "templates/init/toolgate.yaml",
    ]) expect(files).toContain(needed);
    expect(files.filter((f) => /^(test|src|scripts|tools|examples|rego)\//.test(f) || f.endsWith(".map"))).toEqual([]);
    expect(await readFile(path.join(repoRoot, "LICENSE"), "utf8")).toContain("Apache License\n                           Version 2.0, January 2004");
  });

  it("runs the README's commands in the installed project: init, build, test (then a failing mutation), eval --fail-on deny", async () => {
    const npx = (args: string[], stdin?: string) => run("npx", ["--no-install", ...args], { cwd: project, ...(stdin === undefined ? {} : { stdin }) });
    const sh = (command: string) => run("sh", ["-c", command], { cwd: project });
    expect((await npx(["policy", "--version"])).stdout.trim()).toBe("0.1.0");

    // The README's commands verbatim; its `npm install toolgate` is the offline install of the tarball above.
    const { commands } = await readmeSection();
    expect(commands[0]).toBe("npm install toolgate");
    const [init, build, test, denied] = [commands[1]!, commands[2]!, commands[3]!, commands[4]!];
    expect([init, build, test]).toEqual(["npx policy init", "npx policy build", "npx policy test"]);
    expect(denied).toMatch(/^echo '.*' \| npx policy eval --call - --fail-on deny$/);
    expect(commands).toHaveLength(5);

    const initRun = await sh(init);
    expect(initRun.code).toBe(0);
    const yaml = await readFile(path.join(project, "policy", "toolgate.yaml"), "utf8");
    // The editor schema is the one inside the installed package.
    expect(yaml.split("\n")[0]).toBe("# yaml-language-server: $schema=../node_modules/toolgate/schemas/toolgate-config.schema.json");
    expect(existsSync(path.join(project, "policy", "../node_modules/toolgate/schemas/toolgate-config.schema.json"))).toBe(true);

    const buildRun = await sh(build);
    expect(buildRun.stdout).toMatch(/^built build\/bundle\.tar\.gz \(revision [0-9a-f]{16}\)/);
    expect(buildRun.code).toBe(0);

    const testRun = await sh(test);
    expect(testRun.stdout).toContain("5 rego tests, 3 tool-call cases");
    expect(testRun.stdout).toContain("8 passed, 0 failed");
    expect(testRun.code).toBe(0);

    const deniedRun = await sh(denied);
    expect(deniedRun.stdout).toMatch(/^deny +stdin: delete_account for support/);
    expect(deniedRun.code).toBe(1);
    const allowed = await npx(["policy", "eval", "--call", "-", "--fail-on", "deny"], '{"assistant_id":"support","tool":"get_order","arguments":"{\\"order_id\\":\\"ord_1\\"}"}');
    expect(allowed.stdout).toMatch(/^allow +stdin: get_order for support/);
    expect(allowed.code).toBe(0);

    // A policy change the tests catch: refunds up to 1000 for everyone.
    await writeFile(path.join(project, "policy", "toolgate.yaml"), yaml.replace("constraints: { max_amount: 100 }", "constraints: { max_amount: 1000 }"));
    const mutated = await sh(test);
    expect(mutated.stdout).toMatch(/FAIL +data\.toolgate\.rules_test\.test_large_refund_denied/);
    expect(mutated.code).toBe(1);
  });

  it("type-checks and runs a TypeScript program that imports toolgate and gates a Chat Completions call", async () => {
    await writeFile(path.join(project, "app.ts"), (await readmeSection()).program);
    await writeFile(path.join(project, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2));
    const typecheck = await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: project });
    expect(typecheck.stdout + typecheck.stderr).toBe("");
    expect(typecheck.code).toBe(0);
    if (!existsSync(path.join(project, "build", "bundle.tar.gz"))) expect((await run("npx", ["--no-install", "policy", "build"], { cwd: project })).code).toBe(0);
    const app = await run(process.execPath, ["app.ts"], { cwd: project });
    expect(app.stderr).toBe("");
    expect(JSON.parse(app.stdout)).toEqual({
      text: "Done.",
      outcomes: [
        ["get_order", "allow", "ran"],
        ["delete_account", "deny", "denied"],
      ],
    });
  });

  it("serves every host builtin family from the installed package (policy test; the same test passes in opa test)", async () => {
    // Each host builtin file is imported when a policy first calls one of its builtins:
    // a file missing from dist/ would leave its builtins undefined (a deny rule skipped).
    const dir = path.join(project, "builtins-check");
    await run("mkdir", ["-p", dir], { cwd: project });
    await writeFile(path.join(dir, "builtins_test.rego"), HOST_BUILTINS_TEST);
    const result = await run("npx", ["--no-install", "policy", "test", "builtins-check"], { cwd: project });
    expect(result.stdout).toContain("1 rego tests, 0 tool-call cases");
    expect(result.stdout).toContain("1 passed, 0 failed");
    expect(result.code).toBe(0);
  });

  it("loads every entry and each first-use chunk of the bundled dist/ from the installed package", async () => {
    // dist/ is bundled (scripts/bundle-dist.ts): what finds files by path (the
    // GatePool worker, the package root) and what is imported on first use
    // (the log tools, replay, the SQLite store, the adapters) must resolve from node_modules.
    if (!existsSync(path.join(project, "build", "bundle.tar.gz"))) expect((await run("npx", ["--no-install", "policy", "build"], { cwd: project })).code).toBe(0);
    await writeFile(path.join(project, "entries.mjs"), ENTRIES_PROGRAM);
    const result = await run(process.execPath, ["entries.mjs"], { cwd: project });
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({
      sameGate: true,
      pooled: "allow",
      decided: "allow",
      records: 1,
      verified: true,
      replayed: 1,
      budgetUsage: [],
      agents: ["gatedAgentTools", "guardAgentTools", "resolveInterruptions", "resumeAgentsRun", "runAgentWithParking"],
      testing: ["call", "start"],
    });
  });

  it("a cold start of the installed package reads a few bundled files and loads no store, server, worker, adapter SDK or compiler", async () => {
    const coldStart = async (entry: string) => {
      const result = await run(process.execPath, ["--input-type=module", "-e", COLD_START_PROGRAM, entry], { cwd: project });
      expect(result.stderr).toBe("");
      const { effect, imported, opened } = JSON.parse(result.stdout) as { effect: string; imported: string[]; opened: string[] };
      expect(effect).toBe("allow");
      const loaded = [...imported, ...opened];
      for (const unwanted of ["node:http", "node:sqlite", "node:worker_threads", "node:readline/promises"]) expect(loaded, unwanted).not.toContain(unwanted);
      for (const unwanted of ["pg", "openai", "chokidar", "commander", "yaml"]) {
        expect(loaded.filter((url) => url.includes(`/node_modules/${unwanted}/`)), unwanted).toEqual([]);
      }
      return new Set(imported.filter((url) => url.includes("/node_modules/toolgate/dist/")));
    };
    // Not one file per source module: "toolgate" reads its entry, its chunk, the gate's chunk and the
    // bundler's helpers; "toolgate/gate" its entry, the gate's chunk and the helpers, none of what "toolgate" adds.
    const full = await coldStart("toolgate");
    const gateOnly = await coldStart("toolgate/gate");
    expect(full.size).toBeLessThanOrEqual(4);
    expect(gateOnly.size).toBeLessThanOrEqual(3);
    expect([...gateOnly].filter((url) => !url.endsWith("/gate-entry.js") && !full.has(url))).toEqual([]);
    expect(gateOnly.size).toBeLessThan(full.size);
  });

  it("says what to do when opa is missing or Node is too old, instead of a stack trace", async () => {
    const noOpa = await run(process.execPath, [path.join(project, "node_modules", ".bin", "policy"), "build"], {
      cwd: project,
      env: { ...userEnv(), TOOLGATE_OPA: "", PATH: nodeBin },
    });
    expect(noOpa.stderr).toContain("the opa CLI was not found: install opa 1.22.2");
    expect(noOpa.stderr).not.toContain("make setup");
    expect(noOpa.code).toBe(2);
    // The bin checks the version before importing anything: simulate an old Node by asking for a newer one.
    const bin = path.join(project, "node_modules", "toolgate", "dist", "cli", "bin.js");
    const oldNode = await run(process.execPath, ["--input-type=module", "-e", `Object.defineProperty(process.versions, "node", { value: "20.11.0" }); await import(${JSON.stringify(bin)});`], { cwd: project });
    expect(oldNode.stderr).toMatch(/^policy: toolgate needs Node >=22\.22 \(this is Node 20\.11\.0\)\. Install a current Node/);
    expect(oldNode.stderr).not.toMatch(/\n\s+at /);
    expect(oldNode.code).toBe(2);
  });
});

/**
 * The fresh project's lockfile: the tarball plus toolgate's dependencies
 * exactly as this repository's package-lock.json resolves them (so `npm ci
 * --offline` takes every one from the npm cache, which holds them since this
 * checkout installed them). `npm install --offline` cannot resolve them itself:
 * the cache holds the tarballs, not the registry's package documents.
 */
async function lockfileFor(
  manifest: { name: string; dependencies: Record<string, string>; devDependencies: Record<string, string> },
  tarballPath: string,
  integrity: string,
): Promise<unknown> {
  const repoLock = JSON.parse(await readFile(path.join(repoRoot, "package-lock.json"), "utf8")) as { packages: Record<string, Record<string, unknown>> };
  const pkg = JSON.parse(await readFile(path.join(repoRoot, "package.json"), "utf8")) as Record<string, unknown>;
  const packages: Record<string, unknown> = {
    "": { name: manifest.name, dependencies: manifest.dependencies, devDependencies: manifest.devDependencies },
  };
  for (const [key, entry] of Object.entries(repoLock.packages)) {
    if (key === "" || entry.dev === true) continue;
    const { devOptional: _devOptional, ...rest } = entry;
    packages[key] = rest;
  }
  for (const name of ["@types/node", "undici-types"]) {
    const { devOptional: _devOptional, ...rest } = repoLock.packages[`node_modules/${name}`]!;
    packages[`node_modules/${name}`] = { ...rest, dev: true };
  }
  packages["node_modules/toolgate"] = {
    version: pkg.version,
    resolved: `file:${tarballPath}`,
    integrity,
    license: pkg.license,
    dependencies: pkg.dependencies,
    optionalDependencies: pkg.optionalDependencies,
    bin: pkg.bin,
    engines: pkg.engines,
  };
  return { name: manifest.name, lockfileVersion: 3, requires: true, packages };
}
