import path from "node:path";
import { StoreError } from "./errors.ts";

/**
 * Where the shared state of toolgate's stores (approvals, budgets, the kill
 * switch) lives: an embedded SQLite file for one host, or a PostgreSQL
 * database that many app instances share.
 */
export type StoreLocation = { readonly kind: "sqlite"; readonly file: string } | { readonly kind: "postgres"; readonly url: string };

/**
 * Reads a location as users write it (`--store`, `store:` in toolgate.yaml):
 * `postgres://…` / `postgresql://…` is PostgreSQL; `sqlite:FILE` or a plain
 * path is an SQLite file, relative to `base`.
 */
export function parseStoreLocation(text: string, base = process.cwd()): StoreLocation {
  const value = text.trim();
  if (value === "") throw new StoreError("store_location_invalid", "The store location is empty: give a file path (sqlite:approvals.db) or a postgres:// URL.");
  if (/^postgres(ql)?:\/\//i.test(value)) {
    try {
      new URL(value);
    } catch {
      throw new StoreError("store_location_invalid", `The store URL ${JSON.stringify(redactedUrl(value))} is not a valid URL: write postgres://user@host:port/database.`);
    }
    return { kind: "postgres", url: value };
  }
  const file = value.replace(/^sqlite:/i, "");
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file)) {
    throw new StoreError("store_location_invalid", `Unknown store scheme in ${JSON.stringify(redactedUrl(file))}: use sqlite:FILE or postgres://…`);
  }
  return { kind: "sqlite", file: path.resolve(base, file) };
}

/** A location for messages and logs: never the password. */
export function describeStoreLocation(location: StoreLocation): string {
  return location.kind === "sqlite" ? `sqlite:${location.file}` : redactedUrl(location.url);
}

function redactedUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password !== "") url.password = "***";
    return url.toString();
  } catch {
    return text.replace(/\/\/[^@/]*@/, "//***@");
  }
}
