import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The long load soak runs only under `make soak` (SOAK=1).
    include: process.env.SOAK ? ["test/**/*.soak.ts"] : ["test/**/*.test.ts"],
    // Tests spawn opa and node; on a shared 2-core machine give them room.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
    // The JSON report feeds the plain "N passed, N failed" line that ends `make test`.
    reporters: ["default", "json"],
    outputFile: { json: "build/tmp/vitest-results.json" },
  },
});
