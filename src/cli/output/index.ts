import { json } from "./json.ts";
import { jsonl } from "./jsonl.ts";
import { junit } from "./junit.ts";
import { pretty } from "./pretty.ts";
import type { Reporter } from "./reporter.ts";
import { tap } from "./tap.ts";

/** Every format by the name a command's --format / --reporter takes; text and table are the human format's names elsewhere. */
const FORMATS = { pretty, text: pretty, table: pretty, json, jsonl, junit, tap } as const satisfies Record<string, Reporter>;

export type FormatName = keyof typeof FORMATS;

/** `policy test --reporter`: pretty is for people; the others are for machines (the CLI then prints the summary to stderr). */
export const REPORTERS = ["pretty", "json", "junit", "tap"] as const satisfies readonly FormatName[];
export type ReporterName = (typeof REPORTERS)[number];

export function reporter(name: FormatName): Reporter {
  return FORMATS[name];
}
