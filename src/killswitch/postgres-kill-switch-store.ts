import type { Pool, QueryConfig, QueryResultRow } from "pg";
import { StoreError } from "../store/errors.ts";
import { inPostgresTransaction, openPostgresPool } from "../store/postgres-pool.ts";
import {
  checkName,
  checkText,
  switchFromRow,
  toolFromKey,
  toolKey,
  type KillRequest,
  type KillSwitch,
  type KillSwitchEvent,
  type KillSwitchStore,
  type SwitchRow,
  type LiftRequest,
} from "./kill-switch.ts";

/** Serializes schema creation across processes (CREATE TABLE IF NOT EXISTS races in PostgreSQL). */
const SCHEMA_LOCK = 7_262_870_331;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kill_switches (
  assistant_id TEXT NOT NULL,
  tool TEXT NOT NULL,
  reason TEXT NOT NULL,
  killed_by TEXT NOT NULL,
  killed_at TEXT NOT NULL,
  PRIMARY KEY (assistant_id, tool)
);
CREATE TABLE IF NOT EXISTS kill_switch_events (
  seq BIGSERIAL PRIMARY KEY,
  action TEXT NOT NULL CHECK (action IN ('kill', 'lift')),
  assistant_id TEXT NOT NULL,
  tool TEXT NOT NULL,
  reason TEXT NOT NULL,
  actor TEXT NOT NULL,
  at TEXT NOT NULL
);`;

/** A read that has not answered by then fails, so that a hung server cannot hold the monitor's refresh forever. */
const READ_TIMEOUT_MS = 2_000;

/** Kill switches in a PostgreSQL database that many app instances share. */
export class PostgresKillSwitchStore implements KillSwitchStore {
  private readonly pool: Pool;

  private constructor(pool: Pool) {
    this.pool = pool;
  }

  static async open(url: string): Promise<PostgresKillSwitchStore> {
    const pool = await openPostgresPool(url, { max: 2 });
    try {
      await inPostgresTransaction(pool, async (client) => {
        await client.query("SELECT pg_advisory_xact_lock($1)", [SCHEMA_LOCK]);
        await client.query(SCHEMA);
      });
    } catch (cause) {
      await pool.end().catch(() => {});
      throw asStoreError(cause);
    }
    return new PostgresKillSwitchStore(pool);
  }

  async kill(request: KillRequest): Promise<KillSwitch> {
    const assistant = checkName("The assistant id", request.assistantId);
    const tool = toolKey(request.tool);
    const reason = checkText("The reason", request.reason);
    const by = checkName("Who kills (--by)", request.by);
    const at = new Date().toISOString();
    return this.run(() =>
      inPostgresTransaction(this.pool, async (client) => {
        await client.query(
          `INSERT INTO kill_switches (assistant_id, tool, reason, killed_by, killed_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (assistant_id, tool) DO UPDATE SET reason = excluded.reason, killed_by = excluded.killed_by, killed_at = excluded.killed_at`,
          [assistant, tool, reason, by, at],
        );
        await client.query("INSERT INTO kill_switch_events (action, assistant_id, tool, reason, actor, at) VALUES ('kill', $1, $2, $3, $4, $5)", [assistant, tool, reason, by, at]);
        return switchFromRow({ assistant_id: assistant, tool, reason, killed_by: by, killed_at: at });
      }),
    );
  }

  async lift(request: LiftRequest): Promise<KillSwitch | undefined> {
    const assistant = checkName("The assistant id", request.assistantId);
    const tool = toolKey(request.tool);
    const note = checkText("The note", request.note ?? "");
    const by = checkName("Who lifts (--by)", request.by);
    return this.run(() =>
      inPostgresTransaction(this.pool, async (client) => {
        const deleted = await client.query<SwitchRow>("DELETE FROM kill_switches WHERE assistant_id = $1 AND tool = $2 RETURNING *", [assistant, tool]);
        const row = deleted.rows[0];
        if (!row) return undefined;
        await client.query("INSERT INTO kill_switch_events (action, assistant_id, tool, reason, actor, at) VALUES ('lift', $1, $2, $3, $4, $5)", [
          assistant,
          tool,
          note,
          by,
          new Date().toISOString(),
        ]);
        return switchFromRow(row);
      }),
    );
  }

  async active(): Promise<KillSwitch[]> {
    const rows = await this.read<SwitchRow>("SELECT * FROM kill_switches ORDER BY assistant_id, tool");
    return rows.map(switchFromRow);
  }

  async history(): Promise<KillSwitchEvent[]> {
    const rows = await this.read<Omit<KillSwitchEvent, "seq" | "tool"> & { seq: string; tool: string }>("SELECT * FROM kill_switch_events ORDER BY seq");
    return rows.map((row) => ({ ...row, seq: Number(row.seq), tool: toolFromKey(row.tool) }));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** A read with pg's per-query read timeout (query_timeout: honoured by pg's client, absent from its types). */
  private async read<R extends QueryResultRow>(text: string): Promise<R[]> {
    const config = { text, query_timeout: READ_TIMEOUT_MS };
    return (await this.run(() => this.pool.query<R>(config as QueryConfig))).rows;
  }

  private async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (cause) {
      throw asStoreError(cause);
    }
  }
}

function asStoreError(cause: unknown): StoreError {
  if (cause instanceof StoreError) return cause;
  return new StoreError("store_unavailable", `The PostgreSQL kill switch store did not answer: ${(cause as Error).message}.`, { cause });
}
