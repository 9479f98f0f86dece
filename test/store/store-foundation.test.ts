import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { StoreError } from "../../src/store/errors.ts";
import { inPostgresTransaction, openPostgresPool } from "../../src/store/postgres-pool.ts";
import { inSqliteTransaction, openSqliteDatabase } from "../../src/store/sqlite-database.ts";
import { describeStoreLocation, parseStoreLocation } from "../../src/store/store-location.ts";
import { startPostgres, type PostgresServer } from "../helpers/postgres-server.ts";

describe("store locations", () => {
  test("a postgres URL, an sqlite: file and a plain path", () => {
    expect(parseStoreLocation("postgres://u:secret@h:5432/db")).toEqual({ kind: "postgres", url: "postgres://u:secret@h:5432/db" });
    expect(parseStoreLocation("sqlite:state/a.db", "/srv")).toEqual({ kind: "sqlite", file: "/srv/state/a.db" });
    expect(parseStoreLocation("b.db", "/srv")).toEqual({ kind: "sqlite", file: "/srv/b.db" });
  });
  test("bad locations name the problem; messages never show the password", () => {
    expect(() => parseStoreLocation("  ")).toThrow(StoreError);
    expect(() => parseStoreLocation("mysql://u:pw@h/db")).toThrow(/Unknown store scheme/);
    expect(() => parseStoreLocation("mysql://u:pw@h/db")).not.toThrow(/pw/);
    expect(describeStoreLocation(parseStoreLocation("postgres://u:secret@h/db"))).toBe("postgres://u:***@h/db");
  });
});

describe("sqlite", () => {
  test("a transaction commits, and rolls back when its work throws", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "toolgate-sqlite-"));
    try {
      const db = await openSqliteDatabase(path.join(dir, "nested", "s.db"));
      db.exec("CREATE TABLE t (v INTEGER)");
      inSqliteTransaction(db, () => db.prepare("INSERT INTO t VALUES (1)").run());
      expect(() => inSqliteTransaction(db, () => {
        db.prepare("INSERT INTO t VALUES (2)").run();
        throw new Error("boom");
      })).toThrow("boom");
      expect(db.prepare("SELECT v FROM t").all()).toEqual([{ v: 1 }]);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("postgres (a real server started here)", () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  }, 120_000);
  afterAll(() => server?.stop());

  test("connects, commits, rolls back", async () => {
    const pool = await openPostgresPool(server.createDatabase("foundation"));
    try {
      await pool.query("CREATE TABLE t (v INTEGER)");
      await inPostgresTransaction(pool, (c) => c.query("INSERT INTO t VALUES (1)"));
      await expect(inPostgresTransaction(pool, async (c) => {
        await c.query("INSERT INTO t VALUES (2)");
        throw new Error("boom");
      })).rejects.toThrow("boom");
      expect((await pool.query("SELECT v FROM t")).rows).toEqual([{ v: 1 }]);
    } finally {
      await pool.end();
    }
  });

  test("an unreachable server is a StoreError naming what to check", async () => {
    const url = server.url.replace(`:${server.port}/`, ":1/");
    await expect(openPostgresPool(url)).rejects.toMatchObject({ code: "store_unavailable" });
  });
});
