// Opening a new SQLite store while another process sets up its WAL can answer
// SQLITE_BUSY at once, without the busy handler (seen in CI: four budget race
// workers opening one file): the open is tried again instead of failing.
import { describe, expect, it } from "vitest";
import { whileBusy } from "../../src/store/sqlite-database.ts";

const sqliteError = (errcode: number): Error => Object.assign(new Error(errcode === 5 ? "database is locked" : "disk I/O error"), { errcode });

describe("whileBusy", () => {
  it("tries a step again while it fails busy (SQLITE_BUSY, SQLITE_LOCKED and their extended codes), then succeeds", async () => {
    const codes = [5, 6, 5 | (2 << 8)];
    let calls = 0;
    await whileBusy(() => {
      const code = codes[calls++];
      if (code !== undefined) throw sqliteError(code);
    }, 5000);
    expect(calls).toBe(4);
  });

  it("fails at once on any other error, and with the busy error once the wait is over", async () => {
    let calls = 0;
    await expect(whileBusy(() => { calls++; throw sqliteError(10); }, 5000)).rejects.toThrow("disk I/O error");
    expect(calls).toBe(1);
    await expect(whileBusy(() => { throw sqliteError(5); }, 30)).rejects.toThrow("database is locked");
  });
});
