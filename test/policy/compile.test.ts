import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { beforeEach, describe, expect, it } from "vitest";
import { readBundle } from "../../src/policy/bundle.ts";
import { compileBundle } from "../../src/policy/compile.ts";
import { PolicyEngine } from "../../src/policy/engine.ts";
import { BundleLoadError, PolicyBuildError } from "../../src/policy/errors.ts";
import { opaBinary } from "../../src/policy/opa-binary.ts";
import { runCli } from "../helpers/run-cli.ts";
import { seedRegoDir } from "../helpers/seed-bundle.ts";

let work: string;
let regoDir: string;

beforeEach(async () => {
  work = await mkdtemp(path.join(tmpdir(), "toolgate-compile-"));
  regoDir = path.join(work, "rego");
  await cp(seedRegoDir, regoDir, { recursive: true });
});

async function buildError(): Promise<PolicyBuildError> {
  const err = await compileBundle({ regoDir, out: path.join(work, "b.tar.gz") }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PolicyBuildError);
  return err as PolicyBuildError;
}

describe("policy build", () => {
  it("builds the shipped example with a content-hash revision that is stable across builds", async () => {
    const a = await compileBundle({ regoDir, out: path.join(work, "a.tar.gz") });
    const b = await compileBundle({ regoDir, out: path.join(work, "b.tar.gz") });
    expect(a.revision).toMatch(/^[0-9a-f]{16}$/);
    expect(b.revision).toBe(a.revision);
    const bundle = await readBundle(a.path);
    expect(bundle.manifest.revision).toBe(a.revision);
    expect((bundle.data.toolgate as { config: { version: number } }).config.version).toBe(1);

    await writeFile(path.join(regoDir, "extra.rego"), "package toolgate.rules\n\nimport rego.v1\n");
    const c = await compileBundle({ regoDir, out: path.join(work, "c.tar.gz") });
    expect(c.revision).not.toBe(a.revision);
  });

  it("a Rego syntax error fails with file:line:column", async () => {
    await writeFile(path.join(regoDir, "broken.rego"), "package toolgate.rules\n\nimport rego.v1\n\ndeny contains r if {\n  r := \n");
    const err = await buildError();
    const d = err.diagnostics[0]!;
    expect(d.code).toBe("rego_parse_error");
    expect(d.location?.file).toMatch(/broken\.rego$/);
    expect(d.location?.row).toBeGreaterThanOrEqual(6);
    expect(d.location?.col).toBeGreaterThan(0);
    expect(err.message).toMatch(/broken\.rego:\d+:\d+: rego_parse_error/);
  });

  it("a builtin the runtime does not provide fails at build time, located", async () => {
    await writeFile(
      path.join(regoDir, "hash.rego"),
      'package toolgate.rules\n\nimport rego.v1\n\ndeny contains {"code": "x", "message": h} if {\n\th := crypto.x509.parse_rsa_private_key("x")\n}\n',
    );
    const err = await buildError();
    expect(err.diagnostics).toContainEqual(
      expect.objectContaining({
        code: "rego_type_error",
        message: expect.stringContaining("crypto.x509.parse_rsa_private_key"),
        location: expect.objectContaining({ row: 6, col: 7 }),
      }),
    );
  });

  it("a bad toolgate.yaml fails naming the field and its line:column", async () => {
    const file = path.join(regoDir, "toolgate.yaml");
    const text = await readFile(file, "utf8");
    await writeFile(file, text.replace(/^( +)effect: allow/m, "$1efect: allow"));
    const err = await buildError();
    const unknown = err.diagnostics.find((d) => d.message.includes('unknown field "efect"'));
    expect(unknown?.code).toBe("config_invalid");
    expect(unknown?.message).toContain('(did you mean "effect"?)');
    const line = text.split("\n").findIndex((l) => /^ +effect: allow/.test(l)) + 1;
    expect(unknown?.location).toEqual(expect.objectContaining({ row: line, col: expect.any(Number) }));
  });

  it("the CLI prints the located error and exits 2", async () => {
    await writeFile(path.join(regoDir, "broken.rego"), "package toolgate.rules\n\ndeny contains r if {\n");
    const result = await runCli(["build", "--rego", regoDir, "--out", path.join(work, "x.tar.gz")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/broken\.rego:\d+:\d+: rego_parse_error/);
  });
});

describe("engine load", () => {
  it("refuses a module that imports a builtin the runtime lacks, naming it", async () => {
    const dir = path.join(work, "raw");
    await cp(seedRegoDir, dir, { recursive: true });
    const policy = path.join(work, "probe.rego");
    await writeFile(
      policy,
      'package toolgate\n\nimport rego.v1\n\ndecision := {"effect": "allow", "reasons": [{"code": "x", "message": crypto.x509.parse_rsa_private_key(input.tool.name)}]}\n',
    );
    const out = path.join(work, "raw.tar.gz");
    // Built with opa directly, without toolgate's capabilities file.
    await promisify(execFile)(opaBinary(), ["build", "-t", "wasm", "-e", "toolgate/decision", "-r", "raw", "-o", out, policy]);
    const err = await PolicyEngine.load(await readBundle(out)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BundleLoadError);
    expect((err as Error).message).toContain("crypto.x509.parse_rsa_private_key");
  });

  it("a missing or corrupt bundle is a clear error", async () => {
    const missing = (await readBundle(path.join(work, "none.tar.gz")).catch((e: unknown) => e)) as Error;
    // A library user has no --bundle flag: the message says what to build and with what.
    expect(missing.message).toMatch(/no policy bundle at .*`npx policy build` \(or compileBundle\(\)\)/);
    expect(missing.message).not.toContain("--");
    const junk = path.join(work, "junk.tar.gz");
    await writeFile(junk, "not a tarball");
    await expect(readBundle(junk)).rejects.toBeInstanceOf(BundleLoadError);
  });
});
