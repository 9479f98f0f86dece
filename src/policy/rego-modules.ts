import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import type { SourceLocation } from "./errors.ts";

const run = promisify(execFile);

/** One top-level rule definition, as opa parsed it. */
export interface ParsedRule {
  /** The first segment of the rule's head ref (`deny` for `deny contains ...` and `deny.x := ...`). */
  name: string;
  /** Defined with arguments: a function, not a value the decision can read. */
  isFunction: boolean;
  location: SourceLocation;
}

/** What the rule lint needs of one Rego module: its package, rules and every data reference. */
export interface ParsedModule {
  file: string;
  /** The package path without `data`, e.g. ["toolgate", "rules"]. */
  packagePath: string[];
  packageLocation: SourceLocation;
  rules: ParsedRule[];
  /**
   * Constant prefixes (after `data`) of every reference to data in imports,
   * heads and bodies: `data.lib.cards.luhn(x)` gives ["lib", "cards", "luhn"],
   * `data.toolgate.rules[kind]` gives ["toolgate", "rules"], a bare `data` gives [].
   */
  dataRefs: string[][];
}

interface AstTerm {
  type?: string;
  value?: unknown;
  location?: { file: string; row: number; col: number };
}

const cache = new Map<string, ParsedModule>();
const CACHE_LIMIT = 512;

function locationOf(node: unknown, file: string): SourceLocation {
  const loc = (node as { location?: { row?: number; col?: number } } | undefined)?.location;
  return { file, row: loc?.row ?? 0, col: loc?.col ?? 0 };
}

/** Collects the data references anywhere in an AST node; a ref's head var is not itself a bare `data`. */
function collectDataRefs(node: unknown, out: string[][]): void {
  if (Array.isArray(node)) {
    for (const item of node) collectDataRefs(item, out);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const term = node as AstTerm;
  if (term.type === "ref" && Array.isArray(term.value)) {
    const [head, ...rest] = term.value as AstTerm[];
    if (head?.type === "var" && head.value === "data") {
      const prefix: string[] = [];
      for (const part of rest) {
        if (part.type !== "string" || typeof part.value !== "string") break;
        prefix.push(part.value);
      }
      out.push(prefix);
    } else {
      collectDataRefs(head, out);
    }
    collectDataRefs(rest, out);
    return;
  }
  if (term.type === "var" && term.value === "data") {
    out.push([]);
    return;
  }
  for (const value of Object.values(node)) collectDataRefs(value, out);
}

function toModule(ast: Record<string, unknown>, file: string): ParsedModule {
  const pkg = ast.package as { path?: AstTerm[] } | undefined;
  const packagePath = (pkg?.path ?? []).slice(1).map((t) => String(t.value));
  const rules: ParsedRule[] = [];
  for (const rule of (ast.rules ?? []) as Array<{ head?: { ref?: AstTerm[]; name?: string; args?: unknown[] }; location?: unknown }>) {
    const name = String(rule.head?.ref?.[0]?.value ?? rule.head?.name ?? "");
    rules.push({ name, isFunction: (rule.head?.args?.length ?? 0) > 0, location: locationOf(rule, file) });
  }
  const dataRefs: string[][] = [];
  collectDataRefs(ast.imports ?? [], dataRefs);
  collectDataRefs(ast.rules ?? [], dataRefs);
  return { file, packagePath, packageLocation: locationOf(pkg, file), rules, dataRefs };
}

/**
 * Parses a Rego file with the real opa (`opa parse --format json`), so the
 * lint sees exactly the packages, rules and references opa compiles. Cached by
 * content. Undefined when opa cannot parse it (`opa build` reports why, located).
 */
export async function parseRegoModule(opa: string, file: string): Promise<ParsedModule | undefined> {
  const keyOf = async () => createHash("sha256").update(file).update("\0").update(await readFile(file)).digest("hex");
  const key = await keyOf();
  const cached = cache.get(key);
  if (cached) return cached;
  let stdout: string;
  try {
    ({ stdout } = await run(opa, ["parse", "--format", "json", "--json-include", "locations,-comments", file], {
      maxBuffer: 512 * 1024 * 1024,
    }));
  } catch {
    return undefined;
  }
  const parsed = toModule(JSON.parse(stdout) as Record<string, unknown>, file);
  // Cached only if the file did not change under opa (then the build's input stamps catch it anyway).
  if ((await keyOf()) === key) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, parsed);
  }
  return parsed;
}
