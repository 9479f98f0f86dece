import path from "node:path";

/**
 * Paths the commands use unless told otherwise, relative to the working
 * directory. The policy directory is found by findPolicyDir (src/policy/policy-dir.ts).
 */
export const DEFAULT_BUNDLE = path.join("build", "bundle.tar.gz");
export const TOOLS_FILE = "tools.json";

/** The tool declarations file that goes with a policy directory. */
export function defaultToolsFile(regoDir: string): string {
  return path.join(regoDir, TOOLS_FILE);
}

/** The help text of every command's --rego option. */
export const REGO_OPTION_HELP = "policy directory: *.rego, toolgate.yaml, tools.json (default: $TOOLGATE_POLICY_DIR, else the first of ./, policy/, rego/ with a toolgate.yaml)";
