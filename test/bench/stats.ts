/** Latency summary of per-operation samples in nanoseconds. */
export interface LatencyStats {
  count: number;
  p50_us: number;
  p99_us: number;
  max_us: number;
  per_second: number;
}

export function summarize(samplesNs: Float64Array | number[], wallNs: number): LatencyStats {
  const sorted = Float64Array.from(samplesNs).sort();
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! / 1000;
  const round = (x: number): number => Math.round(x * 10) / 10;
  return {
    count: sorted.length,
    p50_us: round(at(0.5)),
    p99_us: round(at(0.99)),
    max_us: round(sorted[sorted.length - 1]! / 1000),
    per_second: Math.round(sorted.length / (wallNs / 1e9)),
  };
}

/** Times `op` per call after a warm-up; the op's index picks its input. */
export function measure(op: (i: number) => void, iterations: number, warmup = Math.min(2000, iterations)): LatencyStats {
  for (let i = 0; i < warmup; i++) op(i);
  const samples = new Float64Array(iterations);
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    op(i);
    samples[i] = Number(process.hrtime.bigint() - t0);
  }
  return summarize(samples, Number(process.hrtime.bigint() - start));
}
