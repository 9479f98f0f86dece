// A worker process of the conformance runner: runs the cases the parent hands
// it, one at a time (one opa build at a time), and answers each with its outcome.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { CaseOutcome, ConformanceCase } from "./conformance-case.ts";
import { runCase, type CaseRunner } from "./run-case.ts";

export type ToWorker = { setup: Omit<CaseRunner, "work"> } | { case: ConformanceCase } | { exit: true };
export interface FromWorker {
  outcome: CaseOutcome;
}

const work = await mkdtemp(path.join(tmpdir(), "toolgate-conformance-"));
let runner: CaseRunner | undefined;
// Cases run strictly one after another: the parent sends the next only after an answer.
process.on("message", (message: ToWorker) => {
  if ("setup" in message) {
    runner = { ...message.setup, work };
  } else if ("case" in message) {
    const c = message.case;
    runCase(runner!, c)
      .catch((err: unknown): CaseOutcome => ({ id: c.id, category: "threw", reason: `runner: ${(err as Error).message}` }))
      .then((outcome) => process.send!({ outcome } satisfies FromWorker));
  } else {
    void rm(work, { recursive: true, force: true }).finally(() => process.disconnect());
  }
});
