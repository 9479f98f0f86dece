import { raceSuite } from "./race-suite.ts";

// make soak (SOAK=1): 10,000 racing calls across four processes, on PostgreSQL and on an SQLite file.
raceSuite(10_000);
