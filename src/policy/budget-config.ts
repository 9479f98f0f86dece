import type { Document, LineCounter } from "yaml";
import type { PolicyDiagnostic } from "./errors.ts";
import { ResolutionCache } from "./resolution-cache.ts";

/** The parts of toolgate.yaml budgets live in (BudgetedConfig is one; config.ts imports this file). */
export interface BudgetedConfig {
  tools?: Readonly<Record<string, unknown>>;
  assistants?: Readonly<Record<string, { tools?: Readonly<Record<string, unknown>> }>>;
}

/** One `budgets:` entry of toolgate.yaml as written (schemas/toolgate-config.schema.json, `budget`). */
export interface BudgetRule {
  name: string;
  sum?: string;
  count?: true;
  limit?: number;
  soft_limit?: number;
  window?: string;
  per?: string[];
  reservation_seconds?: number;
  description?: string;
}

/** A budget as it applies to one (assistant, tool): the tool's entry with the assistant's fields laid over it. */
export interface ResolvedBudget {
  readonly name: string;
  readonly kind: "sum" | "count";
  /** The argument path a sum budget adds (dotted, split). */
  readonly sum: readonly string[] | undefined;
  readonly limit: number;
  readonly soft_limit: number | undefined;
  /** As written (`1d`), for messages and the input document. */
  readonly window: string;
  readonly windowMs: number;
  readonly per: readonly string[];
  /** How long an unsettled reservation counts. */
  readonly reservationMs: number;
}

export const DEFAULT_RESERVATION_SECONDS = 900;

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30s`, `15m`, `1h`, `7d` in milliseconds; undefined for anything else. */
export function windowMs(window: string): number | undefined {
  const match = /^([1-9][0-9]{0,5})([smhd])$/.exec(window);
  return match ? Number(match[1]) * UNIT_MS[match[2] as string]! : undefined;
}

function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

type BudgetsEntry = { budgets?: BudgetRule[] } | undefined;

/** The tool's budget entries with the assistant's laid over them by name (fields given replace, new names add). */
export function mergedBudgetRules(config: BudgetedConfig, assistantId: string, toolName: string): BudgetRule[] {
  const base = (own(config.tools, toolName) as BudgetsEntry)?.budgets ?? [];
  const overrides = (own(own(config.assistants, assistantId)?.tools, toolName) as BudgetsEntry)?.budgets ?? [];
  return overrides.length === 0 ? base : mergeByName(base, overrides);
}

/** A complete rule as a ResolvedBudget; a message saying what is wrong otherwise (config validation reports it). */
export function resolveBudgetRule(rule: BudgetRule): ResolvedBudget | string {
  const hasSum = typeof rule.sum === "string";
  if (hasSum === (rule.count === true)) return `budget ${rule.name} needs exactly one of sum (an argument path) or count: true`;
  if (typeof rule.limit !== "number") return `budget ${rule.name} needs a limit`;
  if (typeof rule.window !== "string") return `budget ${rule.name} needs a window (for example 1h or 1d)`;
  const ms = windowMs(rule.window);
  if (ms === undefined) return `budget ${rule.name}: window ${JSON.stringify(rule.window)} is not N followed by s, m, h or d`;
  if (rule.soft_limit !== undefined && rule.soft_limit > rule.limit) return `budget ${rule.name}: soft_limit ${rule.soft_limit} is above limit ${rule.limit}`;
  return {
    name: rule.name,
    kind: hasSum ? "sum" : "count",
    sum: hasSum ? (rule.sum as string).split(".") : undefined,
    limit: rule.limit,
    soft_limit: rule.soft_limit,
    window: rule.window,
    windowMs: ms,
    per: rule.per ?? [],
    reservationMs: (rule.reservation_seconds ?? DEFAULT_RESERVATION_SECONDS) * 1000,
  };
}

/**
 * The budgets that apply to calls of one function tool by one assistant, cached
 * per (assistant, tool). Hosted MCP tools have no budgets (they run on their server).
 * Rules that do not resolve were refused when the config was loaded; here they
 * become an error the gate turns into a deny.
 */
export class BudgetResolver {
  private readonly config: BudgetedConfig;
  /** By assistant id, then tool name. */
  private readonly cache = new ResolutionCache<readonly ResolvedBudget[]>();
  /** Whether any tool or assistant entry has budgets: the common case skips all budget work. */
  readonly any: boolean;

  constructor(config: BudgetedConfig | undefined) {
    this.config = config ?? {};
    this.any = configHasBudgets(this.config);
  }

  resolve(assistantId: string, toolName: string): readonly ResolvedBudget[] {
    if (!this.any) return [];
    const known = this.cache.find(assistantId, toolName);
    if (known !== undefined) return known;
    const resolved = Object.freeze(
      mergedBudgetRules(this.config, assistantId, toolName).map((rule) => {
        const budget = resolveBudgetRule(rule);
        if (typeof budget === "string") throw new Error(budget);
        return budget;
      }),
    );
    return this.cache.add(assistantId, toolName, resolved);
  }
}

function configHasBudgets(config: BudgetedConfig): boolean {
  const entries = [
    ...Object.values(config.tools ?? {}),
    ...Object.values(config.assistants ?? {}).flatMap((assistant) => Object.values(assistant.tools ?? {})),
  ] as BudgetsEntry[];
  return entries.some((entry) => (entry?.budgets?.length ?? 0) > 0);
}

/**
 * Checks what the schema cannot: every budget complete once the assistant's
 * fields are laid over the tool's, soft_limit <= limit, a name once per list,
 * and one name meaning one counter (same kind and window wherever it appears).
 */
export function budgetDiagnostics(config: BudgetedConfig, doc: Document, lines: LineCounter, file: string): PolicyDiagnostic[] {
  const diagnostics: PolicyDiagnostic[] = [];
  const at = (segments: Array<string | number>): PolicyDiagnostic["location"] => {
    const range = (doc.getIn(segments, true) as { range?: [number, number, number] } | undefined)?.range;
    if (!range) return undefined;
    const pos = lines.linePos(range[0]);
    return { file, row: pos.line, col: pos.col };
  };
  const report = (segments: Array<string | number>, message: string): void => {
    const location = at(segments);
    diagnostics.push({ code: "config_budget_invalid", message, ...(location ? { location } : {}) });
  };
  const seen = new Map<string, { kind: string; window: string }>();
  const check = (rules: BudgetRule[], where: Array<string | number>, overrides?: BudgetRule[], overridesWhere?: Array<string | number>): void => {
    const names = new Set<string>();
    for (const [i, rule] of (overrides ?? rules).entries()) {
      if (names.has(rule.name)) report([...(overridesWhere ?? where), i, "name"], `budget ${rule.name} is named twice in this list`);
      names.add(rule.name);
    }
    const merged = overrides ? mergeByName(rules, overrides) : rules;
    for (const rule of merged) {
      const index = (overrides ?? rules).findIndex((r) => r.name === rule.name);
      // The tool's own entries are checked once, on their own; an assistant's list adds only what it names.
      if (index < 0) continue;
      const path = [...(overrides ? (overridesWhere ?? where) : where), index];
      const budget = resolveBudgetRule(rule);
      if (typeof budget === "string") {
        report(path, budget);
        continue;
      }
      const previous = seen.get(budget.name);
      if (previous && (previous.kind !== budget.kind || previous.window !== budget.window)) {
        report(path, `budget ${budget.name} is one counter: every entry must agree on sum/count and window (${previous.kind} over ${previous.window} elsewhere)`);
      } else if (!previous) seen.set(budget.name, { kind: budget.kind, window: budget.window });
    }
  };
  for (const [tool, entry] of Object.entries(config.tools ?? {})) {
    const rules = (entry as BudgetsEntry)?.budgets;
    if (rules) check(rules, ["tools", tool, "budgets"]);
  }
  for (const [assistant, entry] of Object.entries(config.assistants ?? {})) {
    for (const [tool, toolEntry] of Object.entries(entry.tools ?? {})) {
      const overrides = (toolEntry as BudgetsEntry)?.budgets;
      if (!overrides) continue;
      const base = (own(config.tools, tool) as BudgetsEntry)?.budgets ?? [];
      check(base, ["tools", tool, "budgets"], overrides, ["assistants", assistant, "tools", tool, "budgets"]);
    }
  }
  return diagnostics;
}

function mergeByName(base: BudgetRule[], overrides: BudgetRule[]): BudgetRule[] {
  const merged = base.map((rule) => ({ ...rule }));
  for (const override of overrides) {
    const index = merged.findIndex((rule) => rule.name === override.name);
    if (index >= 0) merged[index] = { ...merged[index]!, ...override };
    else merged.push({ ...override });
  }
  return merged;
}
