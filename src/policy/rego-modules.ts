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

/** A reference to data whose leading segments are constant, e.g. `data.lib.cards.luhn(x)`: ["lib", "cards", "luhn"]. */
export interface DataRef {
  /** The constant segments after `data` (up to the first non-constant one); [] for a bare `data` or `data[x]`. */
  path: string[];
  location: SourceLocation;
  /** The ref reaches further than `path` (a variable or computed segment follows). */
  open: boolean;
  /** The segment after `path` is a number literal (data.x[2]). */
  numberIndex: boolean;
}

/** What the rule lint needs of one Rego module: its package, rules and every data reference. */
export interface ParsedModule {
  file: string;
  /** The package path without `data`, e.g. ["toolgate", "rules"]. */
  packagePath: string[];
  packageLocation: SourceLocation;
  rules: ParsedRule[];
  /**
   * Every reference to data in imports, heads and bodies: `data.…` refs, and
   * refs through an import (`import data.lib.cards` then `cards.luhn(x)`) unless
   * the import's name is also a local variable somewhere in the module.
   */
  dataRefs: DataRef[];
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

/** The constant string segments of ref terms, up to the first other one. */
function constantPrefix(terms: readonly AstTerm[]): { path: string[]; open: boolean; numberIndex: boolean } {
  const path: string[] = [];
  for (const part of terms) {
    if (part.type !== "string" || typeof part.value !== "string") return { path, open: true, numberIndex: part.type === "number" };
    path.push(part.value);
  }
  return { path, open: false, numberIndex: false };
}

/** Names used as plain variables anywhere (not as a ref's head): an import so named may be shadowed. */
function plainVars(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) plainVars(item, out);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const term = node as AstTerm;
  if (term.type === "var" && typeof term.value === "string") out.add(term.value);
  if (term.type === "ref" && Array.isArray(term.value)) {
    plainVars((term.value as unknown[]).slice(1), out);
    return;
  }
  for (const value of Object.values(node)) plainVars(value, out);
}

/** Collects the data references anywhere in an AST node, following import names in `imports`. */
function collectDataRefs(node: unknown, file: string, imports: ReadonlyMap<string, string[]>, out: DataRef[]): void {
  if (Array.isArray(node)) {
    for (const item of node) collectDataRefs(item, file, imports, out);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const term = node as AstTerm;
  if (term.type === "ref" && Array.isArray(term.value)) {
    const [head, ...rest] = term.value as AstTerm[];
    const base = head?.type === "var" && typeof head.value === "string" ? (head.value === "data" ? [] : imports.get(head.value)) : undefined;
    if (base) {
      const { path, open, numberIndex } = constantPrefix(rest);
      out.push({ path: [...base, ...path], location: locationOf(term, file), open, numberIndex });
    } else {
      collectDataRefs(head, file, imports, out);
    }
    collectDataRefs(rest, file, imports, out);
    return;
  }
  if (term.type === "var" && term.value === "data") {
    out.push({ path: [], location: locationOf(term, file), open: true, numberIndex: false });
    return;
  }
  for (const value of Object.values(node)) collectDataRefs(value, file, imports, out);
}

function toModule(ast: Record<string, unknown>, file: string): ParsedModule {
  const pkg = ast.package as { path?: AstTerm[] } | undefined;
  const packagePath = (pkg?.path ?? []).slice(1).map((t) => String(t.value));
  const rules: ParsedRule[] = [];
  for (const rule of (ast.rules ?? []) as Array<{ head?: { ref?: AstTerm[]; name?: string; args?: unknown[] }; location?: unknown }>) {
    const name = String(rule.head?.ref?.[0]?.value ?? rule.head?.name ?? "");
    rules.push({ name, isFunction: (rule.head?.args?.length ?? 0) > 0, location: locationOf(rule, file) });
  }
  const locals = new Set<string>();
  plainVars(ast.rules ?? [], locals);
  const imports = new Map<string, string[]>();
  for (const imp of (ast.imports ?? []) as Array<{ path?: AstTerm; alias?: string }>) {
    const terms = Array.isArray(imp.path?.value) ? (imp.path.value as AstTerm[]) : [];
    if (terms[0]?.type !== "var" || terms[0].value !== "data") continue;
    const { path, open } = constantPrefix(terms.slice(1));
    const name = imp.alias ?? path.at(-1);
    if (!open && name !== undefined && !locals.has(name)) imports.set(name, path);
  }
  const dataRefs: DataRef[] = [];
  collectDataRefs(ast.imports ?? [], file, new Map(), dataRefs);
  collectDataRefs(ast.rules ?? [], file, imports, dataRefs);
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

/** Parses many files, a few opa processes at a time (the build runs opa alongside). */
export async function parseRegoModules(opa: string, files: readonly string[], concurrency = 4): Promise<Array<ParsedModule | undefined>> {
  const out: Array<ParsedModule | undefined> = new Array(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      out[i] = await parseRegoModule(opa, files[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  return out;
}
