// `make bench`: every benchmark in one run, numbers printed as measured here.
import { benchGate } from "./gate.ts";
import type { LatencyStats } from "./stats.ts";

const row = (label: string, s: LatencyStats): string =>
  `${label.padEnd(28)} ${String(s.per_second).padStart(9)}/s   p50 ${String(s.p50_us).padStart(7)} us   p99 ${String(s.p99_us).padStart(8)} us`;

const gate = await benchGate();
process.stdout.write(`gate, seed policy (revision ${gate.revision}), argument parse + schema + policy + decision check\n`);
process.stdout.write(`${row("small arguments (24 seeds)", gate.small)}\n${row("64 KiB arguments", gate.large_64k)}\n`);
