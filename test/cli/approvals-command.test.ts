// `policy approvals serve` and `policy approvals list` as a user runs them: a
// separate process on the real CLI entry, the seed policy built by opa, a SQLite store.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openApprovalStore } from "../../src/approval/store/open-approval-store.ts";
import { SqliteApprovalStore } from "../../src/approval/store/sqlite-approval-store.ts";
import { sampleApproval } from "../approval/approval-store-contract.ts";
import { startPostgres, type PostgresServer } from "../helpers/postgres-server.ts";
import { runCli } from "../helpers/run-cli.ts";
import { cliMain, repoRoot } from "../helpers/seed-bundle.ts";

let dir: string;
let storeFile: string;
let approvalId: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "toolgate-approvals-cli-"));
  storeFile = path.join(dir, "approvals.db");
  const store = await SqliteApprovalStore.open(storeFile);
  approvalId = (await store.create(sampleApproval({ summary: "Email blast to 500 <b>now</b>" }))).id;
  await store.close();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Starts `policy approvals serve` and resolves once it printed its links. */
function serve(args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliMain, "approvals", "serve", "--store", storeFile, "--port", "0", "--rego", "rego", ...args], {
      cwd: repoRoot,
      env: { ...process.env, TOOLGATE_INBOX_TOKEN: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const done = env.TOOLGATE_INBOX_TOKEN ? /approvals inbox: \S+\n/.test(out) : /\?token=\S+\n/.test(out);
      if (done) resolve({ child, lines: out.trim().split("\n") });
    });
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (code) => reject(new Error(`serve exited ${code} before it listened: ${err}`)));
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners("exit");
    child.on("exit", (code) => resolve(code));
    child.kill("SIGTERM");
  });
}

describe("policy approvals serve", () => {
  test("with $TOOLGATE_INBOX_TOKEN: 401 without it, the pending approval with it; SIGTERM ends it cleanly", async () => {
    const token = "cli-test-token-0123456789";
    const { child, lines } = await serve([], { TOOLGATE_INBOX_TOKEN: token });
    try {
      const url = /approvals inbox: (\S+)/.exec(lines.join("\n"))![1]!;
      expect(lines.join("\n")).not.toContain(token);
      expect((await fetch(`${url}/approvals`)).status).toBe(401);
      const page = await fetch(`${url}/approvals`, { headers: { authorization: `Bearer ${token}` } });
      expect(page.status).toBe(200);
      const text = await page.text();
      expect(text).toContain(`/approvals/${approvalId}`);
      expect(text).toContain("Email blast to 500 &lt;b&gt;now&lt;/b&gt;");
    } finally {
      expect(await stop(child)).toBe(0);
    }
  });

  test("without a token: one is generated for the run and its link signs in", async () => {
    const { child, lines } = await serve([], {});
    try {
      const link = lines.find((l) => l.includes("?token="))!.trim();
      const login = await fetch(link, { redirect: "manual" });
      expect(login.status).toBe(303);
      const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
      expect((await fetch(new URL("/approvals", link), { headers: { cookie } })).status).toBe(200);
    } finally {
      await stop(child);
    }
  });

  test("--anonymous on a non-loopback address is refused before it listens", async () => {
    const result = await runCli(["approvals", "serve", "--store", storeFile, "--port", "0", "--rego", path.join(repoRoot, "rego"), "--anonymous", "--host", "0.0.0.0"], { cwd: repoRoot });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("anonymous access is served on loopback only");
  });

  test("no store named and none at the default place: a usage error that says how to name one, and no file is created", async () => {
    const result = await runCli(["approvals", "list"], { cwd: dir, env: { TOOLGATE_STORE: "" } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--store LOCATION or $TOOLGATE_STORE");
    expect(existsSync(path.join(dir, "toolgate.db"))).toBe(false);
  });
});

describe("policy approvals list", () => {
  test("one line per approval, newest first; --format json gives the stored approvals", async () => {
    const text = await runCli(["approvals", "list", "--store", storeFile, "--state", "pending"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(approvalId);
    expect(text.stdout).toContain('"send_email_blast"');
    const json = await runCli(["approvals", "list", "--store", storeFile, "--format", "json"]);
    const rows = json.stdout.trim().split("\n").map((l) => JSON.parse(l) as { id: string; state: string });
    expect(rows).toContainEqual(expect.objectContaining({ id: approvalId, state: "pending" }));
    const none = await runCli(["approvals", "list", "--store", storeFile, "--state", "rejected"]);
    expect(none.stdout).toBe("no approvals\n");
  });

  test("a row that does not read as an approval is listed as unreadable by id; the other rows are listed", async () => {
    const file = path.join(dir, "one-bad-row.db");
    const store = await openApprovalStore(file);
    const good = await store.create(sampleApproval());
    const bad = await store.create(sampleApproval({ binding: "call_2:x" }));
    await store.close();
    const db = new DatabaseSync(file);
    db.prepare("UPDATE approvals SET reasons = '{not json' WHERE id = ?").run(bad.id);
    db.close();
    const text = await runCli(["approvals", "list", "--store", file]);
    expect({ code: text.code, stderr: text.stderr }).toEqual({ code: 0, stderr: "" });
    expect(text.stdout).toContain(`${good.id}  pending`);
    expect(text.stdout).toContain(`"${bad.id}"  unreadable record (column reasons is not JSON): it cannot be decided or resumed`);
    const json = await runCli(["approvals", "list", "--store", file, "--format", "json"]);
    const rows = json.stdout.trim().split("\n").map((l) => JSON.parse(l) as { id: string });
    expect(rows).toEqual([expect.objectContaining({ id: good.id, state: "pending" }), { id: bad.id, unreadable: "column reasons is not JSON" }]);
  });
});

describe("policy approvals list --store postgres://", () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  }, 120_000);
  afterAll(() => server?.stop());

  test("reads the PostgreSQL store the guards park in", async () => {
    const url = server.createDatabase("approvals_cli");
    const store = await openApprovalStore(url);
    const { id } = await store.create(sampleApproval());
    await store.close();
    const result = await runCli(["approvals", "list", "--store", url, "--format", "json"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(id);
  });
});
