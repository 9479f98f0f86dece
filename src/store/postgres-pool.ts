import type { Pool, PoolClient } from "pg";
import { StoreError } from "./errors.ts";

/**
 * A connection pool to a PostgreSQL store. `pg` is an optional dependency,
 * loaded only when a postgres:// store is configured.
 */
export async function openPostgresPool(url: string, options: { max?: number } = {}): Promise<Pool> {
  let pg: typeof import("pg");
  try {
    pg = (await import("pg")).default as unknown as typeof import("pg");
  } catch (cause) {
    throw new StoreError("store_unavailable", "A postgres:// store needs the `pg` package: npm install pg.", { cause });
  }
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 4 });
  // An idle client's error (server restart) must not crash the host; the next query reports it.
  pool.on("error", () => {});
  try {
    const client = await pool.connect();
    client.release();
  } catch (cause) {
    await pool.end().catch(() => {});
    throw new StoreError("store_unavailable", `Cannot connect to the PostgreSQL store: ${(cause as Error).message}. Check the URL and that the server is running.`, { cause });
  }
  return pool;
}

/**
 * Runs `work` in one transaction on one client; rolls back on any error.
 * READ COMMITTED by default: make races safe with row locks (SELECT … FOR
 * UPDATE) or single conditional statements (UPDATE … WHERE state = 'pending'
 * RETURNING …), which never fail with a serialization error to retry.
 */
export async function inPostgresTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
  isolation: "SERIALIZABLE" | "READ COMMITTED" = "READ COMMITTED",
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
