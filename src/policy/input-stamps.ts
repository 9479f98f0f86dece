import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { PolicyBuildError } from "./errors.ts";

/** The files a policy build reads from a directory: Rego, YAML config and JSON (tools.json, data). */
export const POLICY_INPUT = /\.(rego|ya?ml|json)$/;

/**
 * What a build saw of each input: identity, size and change times (ns), per
 * absolute path. Two equal stamps mean no input was written, replaced, added
 * or removed in between (as far as the file system's timestamps can tell).
 */
export interface InputStamps {
  readonly files: ReadonlyMap<string, string>;
  /** The newest mtime or ctime among the inputs, in ms since the epoch (0 when there are none). */
  readonly newestChangeMs: number;
}

/** Every policy input under `dir` (dot-dirs and node_modules skipped, as compileBundle skips them; dot-files kept, since opa compiles them). */
export async function policyInputsUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (current: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch {
      return; // a directory that vanished: its absence shows in the stamps
    }
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      if (!entry.isDirectory()) {
        if (POLICY_INPUT.test(entry.name)) found.push(full);
      } else if (!entry.name.startsWith(".") && entry.name !== "node_modules") {
        await walk(full);
      }
    }
  };
  await walk(dir);
  return found;
}

/** Stamps the inputs: every policy input under `dirs`, plus `files` (a missing file is stamped as missing). */
export async function stampInputs(dirs: readonly string[], files: readonly string[] = []): Promise<InputStamps> {
  const all = new Set<string>(files.map((f) => path.resolve(f)));
  for (const dir of dirs) for (const file of await policyInputsUnder(dir)) all.add(path.resolve(file));
  const stamps = new Map<string, string>();
  let newest = 0;
  for (const file of [...all].sort()) {
    try {
      const s = await stat(file, { bigint: true });
      stamps.set(file, `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`);
      newest = Math.max(newest, Number(s.mtimeNs / 1_000_000n), Number(s.ctimeNs / 1_000_000n));
    } catch {
      stamps.set(file, "missing");
    }
  }
  return { files: stamps, newestChangeMs: newest };
}

export function sameStamps(a: InputStamps, b: InputStamps): boolean {
  if (a.files.size !== b.files.size) return false;
  for (const [file, stamp] of a.files) if (b.files.get(file) !== stamp) return false;
  return true;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Waits until no input has changed for `settleMs`, and returns the stamps it
 * settled on. Quiet is proven either by the inputs' own change times (all
 * older than settleMs: no wait at all) or by watching the stamps hold still
 * for settleMs (clocks that disagree with the file system's). A writer that
 * pauses for less than settleMs between two halves of a file is waited for.
 */
export async function settleInputs(
  dirs: readonly string[],
  files: readonly string[],
  settleMs: number,
  maxWaitMs = 60_000,
): Promise<InputStamps> {
  const started = Date.now();
  let stamps = await stampInputs(dirs, files);
  let stableSince = Date.now();
  for (;;) {
    const now = Date.now();
    const age = now - stamps.newestChangeMs;
    if (settleMs <= 0 || age >= settleMs || now - stableSince >= settleMs) return stamps;
    if (now - started > maxWaitMs) {
      throw new PolicyBuildError(
        [{ code: "policy_inputs_unsettled", message: `the policy files kept changing for ${Math.round(maxWaitMs / 1000)} s; nothing was built` }],
        "policy inputs unsettled",
      );
    }
    await sleep(Math.max(10, Math.min(settleMs - Math.max(age, 0), settleMs - (now - stableSince))));
    const next = await stampInputs(dirs, files);
    if (!sameStamps(stamps, next)) stableSince = Date.now();
    stamps = next;
  }
}
