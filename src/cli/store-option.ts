import { existsSync } from "node:fs";
import path from "node:path";
import { CONFIG_FILE, loadPolicyConfig } from "../policy/config.ts";
import { findPolicyDir, PolicyDirNotFoundError } from "../policy/policy-dir.ts";
import { StoreError } from "../store/errors.ts";
import { parseStoreLocation, type StoreLocation } from "../store/store-location.ts";

/** Set to a store location to name it for every command without --store. */
export const STORE_ENV = "TOOLGATE_STORE";
/** The store when nothing names one: an SQLite file in the working directory, next to the default decision log. */
export const DEFAULT_STORE = "toolgate.db";

export const STORE_OPTION_HELP =
  `the shared store: a file (sqlite:FILE) or postgres://user@host/db (default: $${STORE_ENV}, else \`store:\` in the policy directory's ${CONFIG_FILE}, else ./${DEFAULT_STORE})`;

/**
 * The store a command uses: --store, else $TOOLGATE_STORE, else `store:` in
 * toolgate.yaml (a relative path is relative to that file's directory), else
 * ./toolgate.db. Relative --store and $TOOLGATE_STORE paths are relative to
 * the working directory.
 */
export async function resolveStoreLocation(given: string | undefined, regoDir: string | undefined): Promise<StoreLocation> {
  if (given !== undefined) return parseStoreLocation(given);
  const fromEnv = process.env[STORE_ENV];
  if (fromEnv) return parseStoreLocation(fromEnv);
  let dir: string | undefined;
  try {
    dir = findPolicyDir(regoDir);
  } catch (err) {
    if (!(err instanceof PolicyDirNotFoundError)) throw err;
  }
  const configFile = dir === undefined ? undefined : path.join(dir, CONFIG_FILE);
  if (dir !== undefined && configFile !== undefined && existsSync(configFile)) {
    const { store } = await loadPolicyConfig(configFile);
    if (typeof store === "string") return parseStoreLocation(store, path.resolve(dir));
  }
  return parseStoreLocation(DEFAULT_STORE);
}

/**
 * The store a command only reads (listing kill switches, usage, approvals, or
 * lifting a kill): as resolveStoreLocation, but an SQLite file that is not
 * there is an error, never a new empty store. Opening it would create the
 * file, and a listing of an empty store at the wrong place reads as "nothing
 * is killed / parked / spent" for the store the gates really use.
 */
export async function resolveExistingStoreLocation(given: string | undefined, regoDir: string | undefined, what: string): Promise<StoreLocation> {
  const location = await resolveStoreLocation(given, regoDir);
  if (location.kind === "sqlite" && !existsSync(location.file)) {
    throw new StoreError(
      "store_unavailable",
      `No ${what} at ${location.file}: nothing was written to a store there yet. Name the store the gates use with --store LOCATION or $${STORE_ENV}.`,
    );
  }
  return location;
}
