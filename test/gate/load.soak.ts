// Load soak, run only by `make soak` (vitest includes *.soak.ts only when SOAK is set): 1,000,000 decisions with audit logging
// and hot reloads; zero errors and bounded RSS growth. Figures go to
// test/bench/soak.json and test/bench/results.md. SOAK_DECISIONS overrides the count.
import { describe, expect, it } from "vitest";
import { RELOAD_EVERY, soakAndReport } from "../bench/soak.ts";

const decisions = Number(process.env.SOAK_DECISIONS ?? 1_000_000);

describe("load soak", () => {
  it(`decides ${decisions} calls with audit logging and a hot reload every ${RELOAD_EVERY}`, async () => {
    const result = await soakAndReport(decisions, (line) => console.log(line));
    console.log(JSON.stringify(result));
    expect(result.errors).toBe(0);
    expect(result.reloads).toBe(Math.floor((decisions - 1) / RELOAD_EVERY));
    expect(result.audit_records).toBe(decisions);
    expect(result.rss_growth_mb).toBeLessThan(100);
  }, 30 * 60_000);
});
