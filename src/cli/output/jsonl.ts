import type { Reporter } from "./reporter.ts";

/** One JSON document per line, streamed: `policy audit --format jsonl`. */
export const jsonl: Reporter = {
  auditRecord: (record) => `${JSON.stringify(record)}\n`,
  auditEnd: () => "",
};
