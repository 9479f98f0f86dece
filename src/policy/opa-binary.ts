import { existsSync } from "node:fs";
import path from "node:path";
import { OpaNotFoundError } from "./errors.ts";
import { PACKAGE_ROOT } from "./package-files.ts";

/** The opa release toolgate is built and tested with (tools/opa/go.mod). */
export const OPA_VERSION = "1.22.2";

/**
 * The opa CLI to compile with: $TOOLGATE_OPA, else the project's pinned copy
 * in a checkout of toolgate (.tools/bin/opa), else `opa` on PATH.
 */
export function opaBinary(): string {
  const fromEnv = process.env.TOOLGATE_OPA;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new OpaNotFoundError(`TOOLGATE_OPA points at ${fromEnv}, which does not exist`);
    return fromEnv;
  }
  const pinned = path.join(PACKAGE_ROOT, ".tools", "bin", "opa");
  if (existsSync(pinned)) return pinned;
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, "opa");
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new OpaNotFoundError(
    `the opa CLI was not found: install opa ${OPA_VERSION} (https://www.openpolicyagent.org/docs/latest/#running-opa, ` +
      `or \`go install github.com/open-policy-agent/opa@v${OPA_VERSION}\`) and put it on PATH, or set TOOLGATE_OPA to its path`,
  );
}
