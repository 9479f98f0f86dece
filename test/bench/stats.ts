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

/** Times an async `op` per call (one in flight) after a warm-up. */
export async function measureAsync(
  op: (i: number) => Promise<unknown>,
  iterations: number,
  warmup = Math.min(500, iterations),
): Promise<LatencyStats> {
  for (let i = 0; i < warmup; i++) await op(i);
  const samples = new Float64Array(iterations);
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    await op(i);
    samples[i] = Number(process.hrtime.bigint() - t0);
  }
  return summarize(samples, Number(process.hrtime.bigint() - start));
}

/** Throughput with `inFlight` concurrent callers of an async op; latency per call as the caller sees it. */
export async function measureConcurrent(
  op: (i: number) => Promise<unknown>,
  iterations: number,
  inFlight: number,
  warmup = Math.min(1000, iterations),
): Promise<LatencyStats> {
  const drive = async (count: number, samples?: Float64Array): Promise<void> => {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        const i = next++;
        const t0 = process.hrtime.bigint();
        await op(i);
        if (samples) samples[i] = Number(process.hrtime.bigint() - t0);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
  };
  await drive(warmup);
  const samples = new Float64Array(iterations);
  const start = process.hrtime.bigint();
  await drive(iterations, samples);
  return summarize(samples, Number(process.hrtime.bigint() - start));
}
