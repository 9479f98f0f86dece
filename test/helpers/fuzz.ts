// Property tests size themselves from one knob so `make test` stays fast and
// `make fuzz` (FUZZ_SCALE=25) runs the same properties on >= 1,000,000 inputs.
// Files holding property tests are named *.property.test.ts; `make fuzz` runs those.
const scale = Number(process.env.FUZZ_SCALE ?? 1);

/** How many generated inputs a property runs: `base` (>= 10,000 per class in make test) times FUZZ_SCALE. */
export function fuzzRuns(base = 10_000): number {
  return Math.max(1, Math.round(base * scale));
}

/** A vitest timeout for a property, grown with FUZZ_SCALE. */
export function fuzzTimeout(baseMs = 120_000): number {
  return Math.round(baseMs * Math.max(1, scale));
}
