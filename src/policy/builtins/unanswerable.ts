/**
 * A host builtin met an input on which it cannot answer as OPA's Go builtin
 * does (a result too large to build, an input class whose Go behaviour is not
 * ported). It is a RangeError so that undefinedOnError lets it through: the
 * evaluation fails (deny) instead of the builtin quietly being undefined,
 * which Go would not be.
 */
export class UnanswerableError extends RangeError {
  readonly code = "builtin_unanswerable";
  constructor(builtin: string, why: string) {
    super(`${builtin}: ${why}; toolgate cannot answer as OPA does here, so the evaluation fails (deny)`);
    this.name = "UnanswerableError";
  }
}
