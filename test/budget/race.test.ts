import { raceSuite } from "./race-suite.ts";

// 2,000 racing calls in make test; race.soak.ts runs 10,000 under make soak.
raceSuite(2_000);
