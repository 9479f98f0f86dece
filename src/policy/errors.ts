import { ToolgateError } from "../errors.ts";

/** A location in a policy source file, as opa reports it. */
export interface SourceLocation {
  file: string;
  row: number;
  col: number;
}

export interface PolicyDiagnostic {
  /** opa's error code (rego_parse_error, rego_type_error, ...) or toolgate's. */
  code: string;
  message: string;
  location?: SourceLocation;
}

/** `file:row:col: code: message`, the way a diagnostic is printed everywhere. */
export function formatDiagnostic(d: PolicyDiagnostic): string {
  const where = d.location ? `${d.location.file}:${d.location.row}:${d.location.col}: ` : "";
  return `${where}${d.code}: ${d.message}`;
}

/** The policy did not build: syntax, type, capabilities or config errors, each located. */
export class PolicyBuildError extends ToolgateError {
  readonly diagnostics: PolicyDiagnostic[];

  constructor(diagnostics: PolicyDiagnostic[], summary = "policy build failed") {
    super("policy_build_failed", [`${summary}:`, ...diagnostics.map((d) => `  ${formatDiagnostic(d)}`)].join("\n"));
    this.diagnostics = diagnostics;
  }
}

/** A bundle could not be read or loaded (missing, corrupt, or needs builtins we lack). */
export class BundleLoadError extends ToolgateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("bundle_load_failed", message, options);
  }
}

/** The WASM evaluation itself failed (abort, builtin error, out of memory). */
export class PolicyEvaluationError extends ToolgateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("policy_evaluation_failed", message, options);
  }
}

/** The opa binary is missing or not the pinned version. */
export class OpaNotFoundError extends ToolgateError {
  constructor(message: string) {
    super("opa_not_found", message);
  }
}

/** The SDK throws strings and plain objects; turn whatever it threw into a message. */
export function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message;
  if (typeof thrown === "string") return thrown;
  if (thrown && typeof thrown === "object" && "message" in thrown) return String(thrown.message);
  return String(thrown);
}
