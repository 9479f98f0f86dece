/** Edit distance (insert, delete, substitute, swap of neighbours), for suggesting a known key for a typo. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j += 1) d[0]![j] = j;
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The known name closest to `name` (case-insensitively), if it is close enough to be a typo of it. */
export function didYouMean(name: string, known: readonly string[]): string | undefined {
  // Keys are short; a long typed key is not compared (keeps this linear in practice).
  if (name.length > 64) return undefined;
  let best: { key: string; d: number } | undefined;
  for (const key of known) {
    const d = distance(name.toLowerCase(), key.toLowerCase());
    if (best === undefined || d < best.d) best = { key, d };
  }
  if (!best) return undefined;
  return best.d <= Math.max(1, Math.floor(best.key.length / 3)) ? best.key : undefined;
}
