import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { InvalidArgumentError, Option, type Command } from "commander";
import type { ApprovalState, ApprovalStore, StoredApproval } from "../../approval/store/approval-store.ts";
import { openApprovalStore } from "../../approval/store/open-approval-store.ts";
import { ToolgateError } from "../../errors.ts";
import { loadToolDeclarations } from "../../gate/load-tools.ts";
import { WatchedGate } from "../../gate/watched-gate.ts";
import { createApprovalsInbox } from "../../inbox/approvals-inbox.ts";
import { InboxConfigError, isLoopbackHost, type InboxAuth } from "../../inbox/inbox-auth.ts";
import { findPolicyDir } from "../../policy/policy-dir.ts";
import { REGO_OPTION_HELP, defaultToolsFile } from "../defaults.ts";
import { STORE_OPTION_HELP, resolveExistingStoreLocation } from "../store-option.ts";

/** Where approvals are when --store is not given. */
export const INBOX_TOKEN_ENV = "TOOLGATE_INBOX_TOKEN";
export const INBOX_USER_ENV = "TOOLGATE_INBOX_USER";
export const INBOX_PASSWORD_ENV = "TOOLGATE_INBOX_PASSWORD";
const DEFAULT_PORT = 8377;
const STATES: readonly ApprovalState[] = ["pending", "approved", "rejected", "expired"];

interface StoreOption {
  store?: string;
}

interface ServeOptions extends StoreOption {
  port: number;
  host: string;
  rego?: string;
  policyDir?: string;
  tools?: string;
  tokenFile?: string;
  anonymous?: boolean;
  basePath?: string;
  secureCookie?: boolean;
  origin?: string[];
}

interface ListOptions extends StoreOption {
  rego?: string;
  state?: ApprovalState[];
  limit: number;
  format: "text" | "json";
}

export function registerApprovals(program: Command): void {
  const approvals = program.command("approvals").description("The durable approval queue: serve the approvals inbox, list approvals");
  const storeHelp = `approval store: ${STORE_OPTION_HELP}`;

  approvals
    .command("serve")
    .description(
      `Serve the approvals inbox (pending approvals, approve / reject, edited arguments re-decided by the policy). ` +
        `Authentication: $${INBOX_TOKEN_ENV} (or --token-file), or $${INBOX_USER_ENV} + $${INBOX_PASSWORD_ENV} for basic auth; ` +
        `without either a one-time token is generated and its link printed. Ctrl-C stops.`,
    )
    .option("--store <location>", storeHelp)
    .option("--port <n>", "port to listen on (0: any free port)", port, DEFAULT_PORT)
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--rego <dir>", `${REGO_OPTION_HELP}; edited arguments are re-decided by this policy (rebuilt on change)`)
    .addOption(new Option("--policy-dir <dir>", "same as --rego").hideHelp())
    .option("--tools <file>", "tool declarations (default: <rego>/tools.json)")
    .option("--token-file <file>", `read the bearer token from this file instead of $${INBOX_TOKEN_ENV}`)
    .option("--anonymous", "no credentials at all: only with a loopback --host, and answered only to loopback clients")
    .option("--base-path <path>", "serve under this path prefix (behind a reverse proxy)")
    .option(
      "--origin <url>",
      "the origin browsers reach the inbox at, behind a proxy that rewrites Host (form posts from elsewhere are refused); repeatable",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option("--secure-cookie", "mark the session cookie Secure (the inbox is reached over HTTPS, through a proxy)")
    .action(async (options: ServeOptions) => serve(options));

  approvals
    .command("list")
    .description("List approvals in the store, newest first")
    .option("--store <location>", storeHelp)
    .option("--rego <dir>", `${REGO_OPTION_HELP} (its toolgate.yaml may name the store)`)
    .option("--state <states>", `only these states (comma-separated: ${STATES.join(", ")})`, states)
    .option("--limit <n>", "at most this many", positive, 100)
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .action(async (options: ListOptions) => list(options));
}

/** The shared store (as `policy kill` and `policy usage` find it); an SQLite file that is not there is an error, not a new empty store. */
async function openStore(given: string | undefined, regoDir: string | undefined): Promise<ApprovalStore> {
  return openApprovalStore(await resolveExistingStoreLocation(given, regoDir, "approval store"));
}

async function inboxAuth(options: ServeOptions): Promise<{ auth: InboxAuth; generated?: string }> {
  if (options.anonymous) return { auth: { anonymous: true } };
  const token = options.tokenFile !== undefined ? (await readFile(options.tokenFile, "utf8")).trim() : process.env[INBOX_TOKEN_ENV];
  const user = process.env[INBOX_USER_ENV];
  const password = process.env[INBOX_PASSWORD_ENV];
  if ((user === undefined) !== (password === undefined)) throw new ToolgateError("usage", `basic auth needs both $${INBOX_USER_ENV} and $${INBOX_PASSWORD_ENV}`);
  const basic = user !== undefined && password !== undefined ? { basic: { username: user, password } } : {};
  if (token !== undefined && token !== "") return { auth: { token, ...basic } };
  if (user !== undefined) return { auth: basic };
  const generated = randomBytes(24).toString("base64url");
  return { auth: { token: generated }, generated };
}

async function serve(options: ServeOptions): Promise<void> {
  // Refused before the policy is built: nothing to wait for.
  if (options.anonymous && !isLoopbackHost(options.host)) {
    throw new InboxConfigError(`anonymous access is served on loopback only, not on ${options.host}: configure $${INBOX_TOKEN_ENV} or basic auth`);
  }
  const { auth, generated } = await inboxAuth(options);
  const regoDir = findPolicyDir(options.rego ?? options.policyDir);
  const tools = await loadToolDeclarations(options.tools ?? defaultToolsFile(regoDir));
  const store = await openStore(options.store, regoDir);
  let gate: WatchedGate | undefined;
  try {
    gate = await WatchedGate.start({ policy: { regoDir }, tools });
    const inbox = createApprovalsInbox({
      store,
      gate,
      auth,
      ...(options.basePath === undefined ? {} : { basePath: options.basePath }),
      secureCookie: options.secureCookie === true,
      ...(options.origin === undefined ? {} : { origins: options.origin }),
      onDecided: ({ id, status, by, edited }) =>
        process.stdout.write(`${new Date().toISOString()} ${status} ${id} by ${JSON.stringify(by)}${edited ? " (edited arguments)" : ""}\n`),
    });
    const server = await inbox.listen({ port: options.port, host: options.host });
    process.stdout.write(`approvals inbox: ${server.url}\n`);
    if (generated !== undefined) {
      process.stdout.write(`no $${INBOX_TOKEN_ENV}: this run's token is in the link (open it once; the browser then keeps a session cookie):\n  ${server.url}/?token=${generated}\n`);
    }
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await server.close();
  } finally {
    await gate?.close();
    await store.close();
  }
}

async function list(options: ListOptions): Promise<void> {
  const store = await openStore(options.store, options.rego);
  try {
    const { approvals, unreadable } = await store.list({ ...(options.state ? { states: options.state } : {}), limit: options.limit });
    for (const row of approvals) process.stdout.write(options.format === "json" ? `${JSON.stringify(row)}\n` : line(row));
    // A row that does not read as an approval is named, never hidden and never shown as one.
    for (const row of unreadable) {
      process.stdout.write(
        options.format === "json"
          ? `${JSON.stringify({ id: row.id, unreadable: row.problem })}\n`
          : `${JSON.stringify(row.id)}  unreadable record (${row.problem}): it cannot be decided or resumed\n`,
      );
    }
    if (options.format === "text" && approvals.length === 0 && unreadable.length === 0) process.stdout.write("no approvals\n");
  } finally {
    await store.close();
  }
}

/** One line per approval; the model's text goes through JSON.stringify, so no control character reaches the terminal. */
function line(row: StoredApproval): string {
  const decided = row.decidedAt === undefined ? `expires ${row.expiresAt}` : `${row.decidedAt}${row.decidedBy === undefined ? "" : ` by ${JSON.stringify(row.decidedBy)}`}`;
  return `${row.id}  ${row.state.padEnd(8)}  ${JSON.stringify(row.call.name)}  ${JSON.stringify(row.call.assistant_id)}  ${JSON.stringify(row.summary)}  ${decided}\n`;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("expected a port number (0-65535).");
  return n;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number above 0.");
  return n;
}

function states(value: string): ApprovalState[] {
  const given = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const unknown = given.filter((s) => !STATES.includes(s as ApprovalState));
  if (given.length === 0 || unknown.length > 0) throw new InvalidArgumentError(`expected states among ${STATES.join(", ")}${unknown.length ? `; unknown: ${unknown.join(", ")}` : ""}.`);
  return given as ApprovalState[];
}
