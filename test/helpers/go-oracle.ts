// A Go command of tools/ used as the oracle of a parity test: built once into
// build/tmp, fed one JSON document on stdin, answering one JSON document that
// names the Go version it was built with (the test checks it is the Go the
// pinned opa was built with, so the standard library compared against is opa's).
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { opaBinary } from "../../src/policy/opa-binary.ts";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "..", "..");

export class GoOracle {
  private readonly name: string;
  private readonly dir: string;
  private readonly bin: string;

  constructor(name: string) {
    this.name = name;
    this.dir = path.join(ROOT, "tools", name);
    this.bin = path.join(ROOT, "build", "tmp", name);
  }

  async build(): Promise<void> {
    mkdirSync(path.dirname(this.bin), { recursive: true });
    await run("go", ["build", "-o", this.bin, "."], { cwd: this.dir, env: { ...process.env, GOWORK: "off" } });
  }

  /** The command's answer to `input` (it names its Go version as `go`). */
  async ask<T extends { go: string }>(input: unknown): Promise<T> {
    const child = execFile(this.bin, [], { maxBuffer: 1024 * 1024 * 1024 });
    const output = new Promise<string>((resolve, reject) => {
      let stdout = "";
      child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${this.name} exited ${code}`))));
    });
    child.stdin!.end(JSON.stringify(input));
    return JSON.parse(await output) as T;
  }

  /** The Go minor version the oracle was built with, and the one opa was ("1.26"). */
  async goVersions(emptyInput: unknown): Promise<{ oracle: string; opa: string | undefined }> {
    const { go } = await this.ask(emptyInput);
    const opa = /^Go Version:\s*go(\d+\.\d+)/m.exec(execFileSync(opaBinary(), ["version"], { encoding: "utf8" }))?.[1];
    return { oracle: go.replace(/^go(\d+\.\d+).*$/, "$1"), opa };
  }
}
