import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { ToolgateError } from "../errors.ts";
import { CONFIG_FILE } from "./config.ts";

/** Set to a directory to name the policy for every command without --rego. */
export const POLICY_DIR_ENV = "TOOLGATE_POLICY_DIR";

/** Where every command looks for toolgate.yaml, in order, relative to the working directory. */
export const POLICY_DIR_CANDIDATES = [".", "policy", "rego"] as const;

/** The policy directory was not given and none was found. */
export class PolicyDirNotFoundError extends ToolgateError {
  constructor(message: string) {
    super("policy_dir_not_found", message);
  }
}

/**
 * The policy directory every command uses: the one given (--rego), else
 * $TOOLGATE_POLICY_DIR, else the first of ./, policy/, rego/ holding a
 * toolgate.yaml. One rule, so build, eval, test, watch and replay never
 * disagree about which policy they mean.
 */
export function findPolicyDir(given?: string, cwd: string = process.cwd()): string {
  if (given !== undefined) return given;
  const fromEnv = process.env[POLICY_DIR_ENV];
  if (fromEnv) return fromEnv;
  for (const dir of POLICY_DIR_CANDIDATES) {
    const config = path.join(cwd, dir, CONFIG_FILE);
    if (existsSync(config) && statSync(config).isFile()) return dir === "." ? "." : dir;
  }
  throw new PolicyDirNotFoundError(
    `no ${CONFIG_FILE} in ./, policy/ or rego/: run \`policy init\` to create one in policy/, ` +
      `or name the policy directory with --rego DIR or ${POLICY_DIR_ENV}`,
  );
}
