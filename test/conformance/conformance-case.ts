/** One OPA conformance case as tools/conformance (OPA's own loader) dumps it. */
export interface ConformanceCase {
  /** The case's note; a repeated note is numbered, "note (1)". */
  id: string;
  /** Its YAML file, relative to opa's v1/test/cases/testdata/v1. */
  file: string;
  query: string;
  modules: string[];
  /** The query as the rule toolgate/decision: a set of binding objects. */
  wrapper?: string;
  /** Why the query could not be wrapped (it does not parse). */
  wrap_error?: string;
  data?: Record<string, unknown>;
  input?: unknown;
  want_defined?: boolean;
  want_result?: Array<Record<string, unknown>>;
  want_error_code?: string;
  want_error?: string;
  sort_bindings?: boolean;
  strict_error?: boolean;
  /** The builtins the query and modules call. */
  builtins: string[];
  /** input_term holds a set: JSON input (all a gate is given) cannot carry it. */
  input_has_set?: boolean;
}

/**
 * pass: the same result as OPA (or an error where OPA errors);
 * refused: opa build refuses it (a builtin toolgate does not provide, or another
 * build error where OPA evaluates): fails closed;
 * threw: built, then loading or evaluation threw where OPA gives a result: fails closed;
 * wrong: built and evaluated without an error to a result OPA does not give;
 * skipped: would be wrong, but its input holds a set, which a gate's JSON input cannot carry.
 */
export type Category = "pass" | "refused" | "threw" | "wrong" | "skipped";

export const CATEGORIES: readonly Category[] = ["pass", "refused", "threw", "wrong", "skipped"];

export interface CaseOutcome {
  id: string;
  category: Category;
  /** Why it is not pass (empty for pass). */
  reason: string;
  /** For refused: the builtins opa build named as missing. */
  missing?: string[];
}
