import { readFileSync } from "node:fs";
import { BundleLoadError, describeThrown } from "./errors.ts";
import { readTarGz } from "./tar-gz.ts";

/** The policy bundle as opa builds it: WASM module, base data and manifest. */
export interface Bundle {
  wasm: Uint8Array;
  data: Record<string, unknown>;
  manifest: BundleManifest;
  /** Where it was read from, for messages. */
  source: string;
}

export interface BundleManifest {
  revision: string;
  roots?: string[];
  wasm?: Array<{ entrypoint: string; module: string }>;
  metadata?: Record<string, unknown>;
}

/** Reads bundle.tar.gz; every failure is a BundleLoadError naming the file and what is wrong. */
export async function readBundle(file: string): Promise<Bundle> {
  let bytes: Buffer;
  try {
    // Read at once, as it is then gunzipped (a bundle is small): fs/promises' open, stat, read
    // and close are four thread-pool round trips, the wall time of a cold start on a busy host.
    bytes = readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new BundleLoadError(`no policy bundle at ${file}: build one with \`npx policy build\` (or compileBundle()) and give its path`);
    }
    throw new BundleLoadError(`${file} is not a readable bundle (tar.gz): ${describeThrown(err)}`, { cause: err });
  }
  let entries: Map<string, Buffer>;
  try {
    entries = readTarGz(bytes);
  } catch (err) {
    throw new BundleLoadError(`${file} is not a readable bundle (tar.gz): ${describeThrown(err)}`, { cause: err });
  }
  const wasm = entries.get("policy.wasm");
  if (!wasm) throw new BundleLoadError(`${file} has no policy.wasm: build it with \`policy build\` (opa build -t wasm)`);
  const parse = (name: string): unknown => {
    const raw = entries.get(name);
    if (!raw) return undefined;
    try {
      return JSON.parse(raw.toString("utf8"));
    } catch (err) {
      throw new BundleLoadError(`${file}: ${name} is not valid JSON: ${describeThrown(err)}`);
    }
  };
  const manifest = (parse(".manifest") ?? {}) as Partial<BundleManifest>;
  if (typeof manifest.revision !== "string" || manifest.revision === "") {
    throw new BundleLoadError(`${file}: .manifest carries no revision; rebuild it with \`policy build\``);
  }
  const data = parse("data.json") ?? {};
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new BundleLoadError(`${file}: data.json must hold a JSON object`);
  }
  return {
    wasm: new Uint8Array(wasm),
    data: data as Record<string, unknown>,
    manifest: manifest as BundleManifest,
    source: file,
  };
}
