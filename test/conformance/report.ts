/** The conformance run's report: counts per category, per builtin, and the cases that differ. */
import { CATEGORIES, type CaseOutcome, type Category, type ConformanceCase } from "./conformance-case.ts";
import { countCategories } from "./expectations.ts";

const TOP = 15;

export interface BuiltinRow {
  builtin: string;
  cases: number;
  counts: Record<Category, number>;
  /** Cases refused because opa build named this builtin as not provided. */
  refused_for_it: number;
}

/** Per builtin: the categories of the cases that call it, and how many it alone keeps from building. */
export function builtinTable(outcomes: readonly CaseOutcome[], byId: ReadonlyMap<string, ConformanceCase>): BuiltinRow[] {
  const rows = new Map<string, BuiltinRow>();
  const row = (builtin: string): BuiltinRow => {
    let r = rows.get(builtin);
    if (!r) {
      r = { builtin, cases: 0, counts: countCategories([]), refused_for_it: 0 };
      rows.set(builtin, r);
    }
    return r;
  };
  for (const o of outcomes) {
    for (const name of byId.get(o.id)?.builtins ?? []) {
      const r = row(name);
      r.cases++;
      r.counts[o.category]++;
    }
    for (const name of o.missing ?? []) row(name).refused_for_it++;
  }
  return [...rows.values()].sort((a, b) => b.refused_for_it - a.refused_for_it || b.cases - a.cases || (a.builtin < b.builtin ? -1 : 1));
}

function percent(n: number, total: number): string {
  return total === 0 ? "0%" : `${((100 * n) / total).toFixed(1)}%`;
}

export function printReport(outcomes: readonly CaseOutcome[], byId: ReadonlyMap<string, ConformanceCase>, log: (text: string) => void): void {
  const total = outcomes.length;
  const counts = countCategories(outcomes);
  log(`\n${total} cases: ${CATEGORIES.map((c) => `${c} ${counts[c]} (${percent(counts[c], total)})`).join(", ")}`);

  const table = builtinTable(outcomes, byId);
  const refusing = table.filter((r) => r.refused_for_it > 0);
  log(`\nbuiltins not provided, by cases they keep from building (top ${TOP} of ${refusing.length}):`);
  for (const r of refusing.slice(0, TOP)) log(`  ${String(r.refused_for_it).padStart(5)}  ${r.builtin}`);

  const differing = table
    .filter((r) => r.counts.wrong + r.counts.threw > 0)
    .sort((a, b) => b.counts.wrong + b.counts.threw - (a.counts.wrong + a.counts.threw));
  if (differing.length > 0) {
    log(`\nbuiltins called by cases that built and then differ (wrong / threw / of cases calling it):`);
    for (const r of differing.slice(0, TOP)) {
      log(`  ${String(r.counts.wrong).padStart(5)} ${String(r.counts.threw).padStart(5)} ${String(r.cases).padStart(5)}  ${r.builtin}`);
    }
  }

  const otherRefusals = outcomes.filter((o) => o.category === "refused" && !o.missing);
  if (otherRefusals.length > 0) log(`\n${otherRefusals.length} refused for another build error than a missing builtin (reasons in the results file)`);
  for (const category of ["wrong", "threw", "skipped"] as const) {
    const list = outcomes.filter((o) => o.category === category);
    if (list.length === 0) continue;
    log(`\n${category} (${list.length}):`);
    for (const o of list) log(`  ${o.id} [${byId.get(o.id)?.file ?? "?"}]: ${o.reason}`);
  }
}
