#!/usr/bin/env node
// The `policy` bin: checks the Node version before importing the CLI, whose
// dependencies need Node 22 and would otherwise die with a stack trace.
import { readFileSync } from "node:fs";
import { nodeVersionProblem } from "./node-version.ts";

const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { engines: { node: string } };
const problem = nodeVersionProblem(process.versions.node, manifest.engines.node);
if (problem) {
  process.stderr.write(`policy: ${problem}\n`);
  process.exitCode = 2;
} else {
  await import("./main.ts");
}
