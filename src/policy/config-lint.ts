import { isAlias, isMap, isScalar, type Node } from "yaml";
import type { LoadedPolicyConfig } from "./config.ts";
import type { DeclaredTools } from "./declared-tools.ts";
import type { PolicyDiagnostic, SourceLocation } from "./errors.ts";

export interface ConfigLintResult {
  /** Refuse the build: the config names what does not exist, so an entry meant to apply never would. */
  errors: PolicyDiagnostic[];
  /** Build, but say so: the policy denies what the author may expect to run. */
  warnings: PolicyDiagnostic[];
}

type Range = [number, number, number];

interface NamedEntry {
  name: string;
  location: SourceLocation;
}

/**
 * Where a key of the config sits in the YAML source: the key's line and column,
 * else its nearest located parent (aliases are followed; a key reached only
 * through one is located at the alias).
 */
export function locateKey(loaded: LoadedPolicyConfig, keys: readonly string[]): SourceLocation {
  let node: unknown = loaded.doc.contents;
  let best: Range | undefined = (node as Node | null)?.range ?? undefined;
  for (const key of keys) {
    if (isAlias(node)) node = node.resolve(loaded.doc);
    if (!isMap(node)) break;
    const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
    if (!pair) break;
    best = (pair.key as Node).range ?? best;
    node = pair.value;
  }
  const pos = best ? loaded.lines.linePos(best[0]) : { line: 1, col: 1 };
  return { file: loaded.file, row: pos.line, col: pos.col };
}

/** Edit distance (insert, delete, substitute), for "did you mean". Names are at most 64 characters. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function closest(name: string, declared: ReadonlySet<string>): string | undefined {
  const folded = (s: string) => s.toLowerCase().replace(/-/g, "_");
  let best: { name: string; d: number } | undefined;
  for (const candidate of declared) {
    const d = folded(candidate) === folded(name) ? 0 : distance(name, candidate);
    if (d <= Math.max(2, Math.floor(name.length / 4)) && (!best || d < best.d)) best = { name: candidate, d };
  }
  return best?.name;
}

/**
 * Checks the tool names of toolgate.yaml (`tools:` and `assistants.*.tools:`;
 * not `mcp_servers:`, whose tools are not in tools.json) against the declared
 * tools. A name that is not declared is an error (a typo would otherwise leave
 * the intended entry, e.g. an assistant's lower limit, silently unapplied);
 * what only makes the policy deny more is a warning.
 */
export function lintConfigTools(
  loaded: LoadedPolicyConfig | undefined,
  declared: DeclaredTools | undefined,
  configFile: string,
): ConfigLintResult {
  const errors: PolicyDiagnostic[] = [];
  const warnings: PolicyDiagnostic[] = [];
  if (!loaded) {
    warnings.push({ code: "config_missing", message: `no ${configFile}: the policy denies every tool call` });
    return { errors, warnings };
  }
  // Names come from the validated config (what the policy reads), locations from the YAML nodes.
  const { config } = loaded;
  const topLevel = Object.keys(config.tools ?? {}).map((name) => ({ name, location: locateKey(loaded, ["tools", name]) }));
  const overrides = Object.entries(config.assistants ?? {}).flatMap(([assistant, entry]) =>
    Object.keys(entry.tools ?? {}).map((name) => ({ name, assistant, location: locateKey(loaded, ["assistants", assistant, "tools", name]) })),
  );
  if (!declared) {
    warnings.push({
      code: "tools_not_checked",
      message: `no tool declarations (tools.json next to ${configFile}, or --tools): the tool names in ${configFile} were not checked`,
    });
  }
  const notDeclared = (entry: NamedEntry, where: string): boolean => {
    if (!declared || declared.names.has(entry.name)) return false;
    const suggestion = closest(entry.name, declared.names);
    errors.push({
      code: "config_tool_not_declared",
      message:
        `${where} names tool "${entry.name}", which is not declared in ${declared.source}, so this entry would never apply` +
        (suggestion ? `; did you mean "${suggestion}"?` : `; declared: ${[...declared.names].sort().join(", ")}`),
      location: entry.location,
    });
    return true;
  };
  for (const entry of topLevel) notDeclared(entry, "tools");
  const configured = new Set(topLevel.map((e) => e.name));
  for (const entry of overrides) {
    if (notDeclared(entry, `assistants.${entry.assistant}.tools`) || configured.has(entry.name)) continue;
    warnings.push({
      code: "override_without_tool",
      message:
        `assistants.${entry.assistant}.tools.${entry.name} overrides a tool with no entry under tools: ` +
        `without its own effect it is denied for this assistant, and other assistants are denied it`,
      location: entry.location,
    });
  }
  if (declared) {
    const mentioned = new Set([...configured, ...overrides.map((e) => e.name)]);
    for (const name of [...declared.names].sort()) {
      if (mentioned.has(name)) continue;
      warnings.push({
        code: "tool_not_configured",
        message: `tool "${name}" (declared in ${declared.source}) has no entry in ${configFile}: every call of it will be denied`,
      });
    }
  }
  return { errors, warnings };
}
