import type { LoadedPolicyConfig, PolicyConfig } from "./config.ts";
import type { ConfigLintResult } from "./config-lint.ts";
import { locateKey } from "./config-lint.ts";
import type { DeclaredTools } from "./declared-tools.ts";
import { didYouMean } from "./did-you-mean.ts";
import type { PolicyDiagnostic } from "./errors.ts";

/** A constraint option whose value names argument fields, and what a call lacking them gets. */
interface FieldOption {
  /** The option that names the fields. */
  key: string;
  /** The constraint that reads them, when it is another key (its default fields apply without the option). */
  constraint?: string;
  /** The argument names the constraint reads in these effective constraints, if it is set. */
  fields(constraints: Record<string, unknown>): string[] | undefined;
  /** Absent fields are skipped (the check silently never runs) rather than denied. */
  skipsAbsent: boolean;
}

const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === "string") ? v : undefined);
const keysOf = (v: unknown): string[] | undefined => (v !== null && typeof v === "object" && !Array.isArray(v) ? Object.keys(v) : undefined);

/** Each option's fields: the one given, else the documented default when its constraint is set (docs/policy-config.md). */
const OPTIONS: FieldOption[] = [
  { key: "amount_field", constraint: "max_amount", skipsAbsent: false, fields: (c) => ("max_amount" in c ? [typeof c.amount_field === "string" ? c.amount_field : "amount"] : undefined) },
  { key: "allowed_values", skipsAbsent: false, fields: (c) => keysOf(c.allowed_values) },
  { key: "date_fields", constraint: "date_range_max_days", skipsAbsent: false, fields: (c) => ("date_range_max_days" in c ? (strings(c.date_fields) ?? ["start_date", "end_date"]) : undefined) },
  { key: "approval_over", skipsAbsent: false, fields: (c) => keysOf(c.approval_over) },
  { key: "address_fields", constraint: "allowed_domains", skipsAbsent: true, fields: (c) => ("allowed_domains" in c ? (strings(c.address_fields) ?? ["to", "cc", "bcc"]) : undefined) },
  { key: "url_fields", constraint: "allowed_hosts", skipsAbsent: true, fields: (c) => ("allowed_hosts" in c ? (strings(c.url_fields) ?? ["url"]) : undefined) },
  { key: "redact_secrets", skipsAbsent: true, fields: (c) => strings(c.redact_secrets) },
  { key: "no_card_numbers", skipsAbsent: true, fields: (c) => strings(c.no_card_numbers) },
];

/** "Did you mean" for a misspelt argument, else the arguments the tool declares. */
function hint(field: string, params: ReadonlySet<string>): string {
  const suggestion = didYouMean(field, [...params]);
  return suggestion ? `; did you mean "${suggestion}"?` : `; it declares: ${[...params].sort().join(", ")}`;
}

/** The tool's constraints with the assistant's laid over them per key (null removes), as the framework merges them. */
function effectiveConstraints(tool: Record<string, unknown> | undefined, override: Record<string, unknown> | undefined): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...(tool ?? {}) };
  for (const [key, value] of Object.entries(override ?? {})) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

/**
 * Checks that the argument names toolgate.yaml gives constraints and budgets
 * (amount_field, allowed_values, date_fields, approval_over, address_fields,
 * url_fields, redact_secrets, no_card_numbers, a budget's sum and
 * arguments.* per) are arguments the tool declares, for each tool whose
 * tools.json parameters list their properties. A constraint that skips an
 * absent argument (addresses, URLs, secrets, card numbers) would never check
 * the real one: an error. One that denies an absent argument would deny
 * every call: a warning.
 */
export function lintConfigFields(loaded: LoadedPolicyConfig | undefined, declared: DeclaredTools | undefined): ConfigLintResult {
  const errors: PolicyDiagnostic[] = [];
  const warnings: PolicyDiagnostic[] = [];
  if (!loaded || !declared) return { errors, warnings };
  const config: PolicyConfig = loaded.config;
  /** Checks the options the given keys touch (all of them when touched is undefined) in these effective constraints. */
  const check = (toolName: string, where: string[], constraints: Record<string, unknown>, touched: ReadonlySet<string> | undefined, label: string) => {
    const params = declared.parameters.get(toolName);
    if (!params) return;
    for (const option of OPTIONS) {
      if (touched && !touched.has(option.key) && !(option.constraint && touched.has(option.constraint))) continue;
      const fields = option.fields(constraints);
      if (!fields || fields.length === 0) continue;
      const consequence = option.skipsAbsent ? "so the check would never see the argument the tool uses" : "so every call would be denied";
      const defaulted = option.constraint !== undefined && !(option.key in constraints);
      const missing = fields.filter((f) => !params.has(f));
      // Default names are met when the tool declares any of them; named ones must each be declared.
      const problems = defaulted
        ? missing.length === fields.length
          ? [`${label}: ${option.constraint} reads ${option.key} [${fields.join(", ")}] (the default), none of which ${toolName} declares in ${declared.source}, ${consequence}; set ${option.key} to the arguments that hold them`]
          : []
        : missing.map((field) => `${label}.${option.key} names argument "${field}", which ${toolName} does not declare in ${declared.source}, ${consequence}${hint(field, params)}`);
      for (const message of problems) {
        const at = locateKey(loaded, [...where, defaulted ? option.constraint! : option.key]);
        (option.skipsAbsent ? errors : warnings).push({ code: "config_field_not_declared", message, location: at });
      }
    }
  };
  const checkBudgets = (toolName: string, where: string[], budgets: unknown, label: string) => {
    const params = declared.parameters.get(toolName);
    if (!params || !Array.isArray(budgets)) return;
    budgets.forEach((budget: { name?: unknown; sum?: unknown; per?: unknown }, i) => {
      const paths: Array<[string, string]> = [];
      if (typeof budget?.sum === "string") paths.push(["sum", budget.sum]);
      for (const key of strings(budget?.per) ?? []) if (key.startsWith("arguments.")) paths.push(["per", key.slice("arguments.".length)]);
      for (const [option, argPath] of paths) {
        const field = argPath.split(".")[0]!;
        if (params.has(field)) continue;
        // A missing sum denies (budget_amount_invalid); a missing per key counts every such call in one counter.
        (option === "sum" ? warnings : errors).push({
          code: "config_field_not_declared",
          message:
            `${label}.budgets[${i}].${option} reads argument "${field}", which ${toolName} does not declare in ${declared.source}, ` +
            (option === "sum" ? "so every call would be denied" : "so every call would share one counter") +
            hint(field, params),
          location: locateKey(loaded, [...where, "budgets", String(i), option]),
        });
      }
    });
  };
  for (const [toolName, rule] of Object.entries(config.tools ?? {})) {
    check(toolName, ["tools", toolName, "constraints"], effectiveConstraints(rule.constraints, undefined), undefined, `tools.${toolName}.constraints`);
    checkBudgets(toolName, ["tools", toolName], rule.budgets, `tools.${toolName}`);
  }
  for (const [assistant, entry] of Object.entries(config.assistants ?? {})) {
    for (const [toolName, rule] of Object.entries(entry.tools ?? {})) {
      if (rule.constraints === undefined && rule.budgets === undefined) continue;
      const where = ["assistants", assistant, "tools", toolName];
      // Only what the assistant's entry changes: the tool's own entry is checked above.
      const merged = effectiveConstraints(config.tools?.[toolName]?.constraints, rule.constraints);
      check(toolName, [...where, "constraints"], merged, new Set(Object.keys(rule.constraints ?? {})), `assistants.${assistant}.tools.${toolName}.constraints`);
      checkBudgets(toolName, where, rule.budgets, `assistants.${assistant}.tools.${toolName}`);
    }
  }
  return { errors, warnings };
}
