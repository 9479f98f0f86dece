// Regenerates build/capabilities.json: exactly the builtins our runtime serves.
// It compiles one probe policy that calls every builtin the pinned opa knows,
// asks the resulting WASM which builtins it imports from the host (the ones
// OPA's WASM target does not implement natively), and keeps a builtin only if
// it is native or provided by the opa-wasm SDK or toolgate's host builtins,
// and not refused (REFUSED_BUILTINS: answers that differ from OPA's Go).
// Run: node scripts/generate-capabilities.ts (after scripts/install-opa.sh).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { instantiatePolicy } from "../src/policy/wasm-instance.ts";
import { readBundle } from "../src/policy/bundle.ts";
import { REFUSED_BUILTINS, providedBuiltinNames } from "../src/policy/builtins/index.ts";
import { importedBuiltins } from "../src/policy/imported-builtins.ts";
import { opaBinary } from "../src/policy/opa-binary.ts";

interface BuiltinDecl { name: string; decl?: { args?: unknown[]; result?: unknown }; infix?: string }
interface Capabilities { builtins: BuiltinDecl[]; [key: string]: unknown }

const root = path.resolve(import.meta.dirname, "..");
const opa = opaBinary();
const current = JSON.parse(execFileSync(opa, ["capabilities", "--current"], { encoding: "utf8" })) as Capabilities;
const work = mkdtempSync(path.join(tmpdir(), "toolgate-caps-"));

function probeSource(candidates: BuiltinDecl[]): string {
  const lines = ["package probe", ""];
  candidates.forEach((b, i) => {
    const args = (b.decl?.args ?? []).map((_, j) => `input.a${j}`);
    lines.push(`p${i} := ${b.name}(${args.join(", ")})`);
  });
  return lines.join("\n") + "\n";
}

function compileProbe(candidates: BuiltinDecl[]): { ok: true } | { ok: false; rows: Set<number> } {
  const file = path.join(work, "probe.rego");
  writeFileSync(file, probeSource(candidates));
  try {
    execFileSync(opa, ["build", "-t", "wasm", "-e", "probe", "-r", "probe", "-o", path.join(work, "probe.tar.gz"), file], {
      stdio: "pipe",
    });
    return { ok: true };
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: Buffer; stderr?: Buffer };
    const text = `${stdout ?? ""}${stderr ?? ""}`;
    const rows = new Set([...text.matchAll(/probe\.rego:(\d+)/g)].map((m) => Number(m[1])));
    return { ok: false, rows };
  }
}

// Builtins that cannot be called as plain functions (internal, relations,
// print) fail the probe build; drop the offending lines and retry.
let candidates = current.builtins.filter((b) => !b.name.startsWith("internal."));
for (;;) {
  const result = compileProbe(candidates);
  if (result.ok) break;
  if (result.rows.size === 0) throw new Error("probe build failed without a location");
  candidates = candidates.filter((_, i) => !result.rows.has(i + 3));
}

const bundle = await readBundle(path.join(work, "probe.tar.gz"));
const policy = instantiatePolicy(await WebAssembly.compile(bundle.wasm as Uint8Array<ArrayBuffer>), 64, new Map()); // only asked what it imports
const imported = new Set(importedBuiltins(policy));
const provided = providedBuiltinNames();
const served = new Set(
  candidates.filter((b) => (!imported.has(b.name) || provided.has(b.name)) && !Object.hasOwn(REFUSED_BUILTINS, b.name)).map((b) => b.name),
);
// Operators (eq, assign, ...) and internal helpers the compiler emits itself are
// always part of the WASM target.
for (const b of current.builtins) if (b.infix || b.name.startsWith("internal.")) served.add(b.name);
// print() is a statement, not a value, so the probe cannot call it; the WASM
// target lowers it to internal.print, which the SDK serves (opa_println).
if (served.has("internal.print")) served.add("print");

const capabilities: Capabilities = { ...current, builtins: current.builtins.filter((b) => served.has(b.name)) };
const out = path.join(root, "build", "capabilities.json");
writeFileSync(out, JSON.stringify(capabilities, null, 2) + "\n");
rmSync(work, { recursive: true, force: true });

const notServed = current.builtins.filter((b) => !served.has(b.name)).map((b) => b.name);
process.stdout.write(
  `wrote ${path.relative(root, out)}: ${capabilities.builtins.length} builtins served ` +
    `(${[...imported].filter((n) => provided.has(n)).length} by the host), ${notServed.length} left out\n`,
);
JSON.parse(readFileSync(out, "utf8"));
