// Per-evaluation state of host builtins. One value of time.now_ns per evaluation, as in Go (the evaluation's
// BuiltinContext.Time): stamped at the first call after beginEvaluation(),
// which the engine calls before each evaluation (evaluation is synchronous,
// one at a time per thread). Apart from time.ts so that the engine does not
// load the time parser for a policy that never calls it.
let evaluationNowNs: bigint | undefined;

/** Per-evaluation state of builtin files loaded so far (regex.ts's remembered replace), reset by beginEvaluation. */
const resets: Array<() => void> = [];

/** Registers state a builtin file keeps for one evaluation only. */
export function resetEachEvaluation(reset: () => void): void {
  resets.push(reset);
}

export function beginEvaluation(): void {
  evaluationNowNs = undefined;
  for (const reset of resets) reset();
}

/** The evaluation's time in nanoseconds since the Unix epoch. */
export function evaluationTimeNs(): bigint {
  return (evaluationNowNs ??= BigInt(Date.now()) * 1_000_000n);
}
