/**
 * The committed expectations (test/conformance/expectations.json): every case
 * that does not pass, with its category and why. A case whose category differs
 * from it is a change: progress when it moves towards pass, a regression when
 * it moves away (wrong is the worst: a silent difference).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CATEGORIES, type CaseOutcome, type Category } from "./conformance-case.ts";

export const EXPECTATIONS_FILE = path.resolve(import.meta.dirname, "expectations.json");

export interface Expectations {
  opa: string;
  counts: Record<Category, number>;
  /** Case id -> what it is, for every case that does not pass. */
  cases: Record<string, { category: Exclude<Category, "pass">; reason: string }>;
}

/** How far from pass: a move to a lower rank is progress. Failing closed beats a silent difference. */
export const RANK: Readonly<Record<Category, number>> = { pass: 0, skipped: 1, refused: 1, threw: 2, wrong: 3 };

export interface CategoryChange {
  id: string;
  from: Category;
  to: Category;
  reason: string;
  progress: boolean;
}

export function readExpectations(file = EXPECTATIONS_FILE): Expectations | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Expectations) : undefined;
}

export function countCategories(outcomes: Iterable<CaseOutcome>): Record<Category, number> {
  const counts = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  for (const o of outcomes) counts[o.category]++;
  return counts;
}

/** The changes of the cases that ran against what the file expects of them. */
export function changes(expectations: Expectations | undefined, outcomes: readonly CaseOutcome[]): CategoryChange[] {
  const found: CategoryChange[] = [];
  for (const o of outcomes) {
    const from = expectations?.cases[o.id]?.category ?? "pass";
    if (from !== o.category) {
      found.push({ id: o.id, from, to: o.category, reason: o.reason, progress: RANK[o.category] < RANK[from] });
    }
  }
  return found;
}

/**
 * Writes the file from this run. A partial run (--filter) keeps what the file
 * says of the cases that did not run.
 */
export function writeExpectations(opa: string, outcomes: readonly CaseOutcome[], previous: Expectations | undefined, allRan: boolean): Expectations {
  const cases: Expectations["cases"] = allRan ? {} : { ...(previous?.cases ?? {}) };
  for (const o of outcomes) {
    if (o.category === "pass") delete cases[o.id];
    else cases[o.id] = { category: o.category, reason: o.reason };
  }
  const sorted = Object.fromEntries(Object.entries(cases).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const counts = countCategories([]);
  const total = allRan ? outcomes.length : Math.max(outcomes.length, (previous ? Object.values(previous.counts).reduce((a, b) => a + b, 0) : 0));
  for (const { category } of Object.values(sorted)) counts[category]++;
  counts.pass = total - counts.refused - counts.threw - counts.wrong - counts.skipped;
  const written: Expectations = { opa, counts, cases: sorted };
  writeFileSync(EXPECTATIONS_FILE, `${JSON.stringify(written, null, 2)}\n`);
  return written;
}
