import { InvalidArgumentError, Option, type Command } from "commander";
import { FILTER_FIELDS, readLog, type FilterKey, type ReadLogOptions } from "../../audit/read-log.ts";
import { verifyLog } from "../../audit/verify-log.ts";
import { reporter } from "../output/index.ts";
import { byteProgress } from "../progress.ts";

/** Used when neither --log nor TOOLGATE_AUDIT_LOG is given; relative to the working directory. */
export const DEFAULT_LOG = "toolgate-decisions.jsonl";

const FORMATS = ["table", "json", "jsonl"] as const;
type Format = (typeof FORMATS)[number];

interface ShowOptions {
  log?: string;
  last?: number;
  filter?: [FilterKey, string][];
  since?: Date;
  until?: Date;
  format: Format;
}

export function registerAudit(program: Command): void {
  const audit = program
    .command("audit")
    .description("Show recorded gate decisions, oldest first, across rotated files.")
    .addOption(logOption())
    .option("--last <n>", "only the last N matching records", positiveInt)
    .option(
      "--filter <key=value>",
      `keep records whose field equals value; keys: ${Object.keys(FILTER_FIELDS).join(", ")}; repeat a key for "any of"`,
      collectFilter,
    )
    .option("--since <time>", "records at or after: RFC 3339 time or a duration ago (30s, 15m, 2h, 7d)", parseTime)
    .option("--until <time>", "records before: RFC 3339 time or a duration ago", parseTime)
    .addOption(new Option("--format <format>", "output format").choices(FORMATS).default("table"))
    .action(async (options: ShowOptions) => {
      await show(options);
    });

  audit
    .command("verify")
    .description("Check the hash chain of the log and its rotated files. Exit 0 when intact, 1 at the first broken record.")
    .addOption(logOption())
    // commander lets `audit` claim --log wherever it appears, so read it merged with the parent's.
    .action(async (_options: unknown, command: Command) => {
      process.exitCode = await verify(logPath(command.optsWithGlobals<{ log?: string }>().log));
    });
}

function logOption(): Option {
  return new Option("--log <file>", `decision log (default: $TOOLGATE_AUDIT_LOG, else ./${DEFAULT_LOG})`);
}

function logPath(flag: string | undefined): string {
  return flag ?? (process.env.TOOLGATE_AUDIT_LOG || DEFAULT_LOG);
}

async function show(options: ShowOptions): Promise<void> {
  const filter: NonNullable<ReadLogOptions["filter"]> = {};
  for (const [key, value] of options.filter ?? []) filter[key] = [...(filter[key] ?? []), value];
  const progress = byteProgress("reading");
  const records = readLog(logPath(options.log), {
    filter,
    since: options.since,
    until: options.until,
    last: options.last,
    onProgress: progress.update,
  });
  const out = new Output();
  const format = reporter(options.format);
  let count = 0;
  try {
    for await (const record of records) {
      progress.done();
      await out.write(format.auditRecord!(record, count));
      count += 1;
    }
  } finally {
    progress.done();
  }
  await out.write(format.auditEnd!(count));
  if (count === 0 && options.format === "table") process.stderr.write("no matching records\n");
}

async function verify(path: string): Promise<number> {
  const progress = byteProgress("verifying");
  const result = await verifyLog(path, { onProgress: progress.update }).finally(() => progress.done());
  if (result.ok) {
    if (result.tornTail) {
      process.stderr.write(
        `warning: ${result.tornTail.file}:${result.tornTail.line} is a torn write from a crash (not a record); the next writer truncates it\n`,
      );
    }
    process.stdout.write(`ok: ${result.count} records in ${result.files.length} file(s); last hash ${result.lastHash}\n`);
    return 0;
  }
  const b = result.break;
  process.stdout.write(
    `broken: ${b.file}:${b.line}${b.seq === undefined ? "" : ` (seq ${b.seq})`}: ${b.kind}: ${b.message}\n` +
      `${result.count} record(s) before it verified\n`,
  );
  return 1;
}

/** stdout with backpressure, and a quiet stop when the reader goes away (`| head`). */
class Output {
  #closed = false;

  constructor() {
    process.stdout.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EPIPE") throw err;
      this.#closed = true;
    });
  }

  async write(text: string): Promise<void> {
    if (this.#closed) return;
    if (!process.stdout.write(text)) {
      await new Promise<void>((resolve) => {
        process.stdout.once("drain", resolve);
        process.stdout.once("error", () => resolve());
      });
    }
  }
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive integer.");
  return n;
}

function collectFilter(value: string, previous: [FilterKey, string][] = []): [FilterKey, string][] {
  const eq = value.indexOf("=");
  const key = value.slice(0, eq);
  if (eq < 1 || !Object.hasOwn(FILTER_FIELDS, key)) {
    throw new InvalidArgumentError(`expected key=value with key one of ${Object.keys(FILTER_FIELDS).join(", ")}.`);
  }
  return [...previous, [key as FilterKey, value.slice(eq + 1)]];
}

const DURATION_UNITS_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** RFC 3339 (anything Date.parse accepts with a date) or a duration before now. */
function parseTime(value: string): Date {
  const duration = /^(\d+)([smhd])$/.exec(value);
  if (duration) return new Date(Date.now() - Number(duration[1]) * (DURATION_UNITS_MS[duration[2] as string] as number));
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new InvalidArgumentError("expected an RFC 3339 time (2026-05-01T12:00:00Z) or a duration (15m, 2h, 7d).");
  return new Date(t);
}
