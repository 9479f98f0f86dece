import path from "node:path";

/** Paths the commands use unless told otherwise, relative to the working directory. */
export const DEFAULT_REGO_DIR = "rego";
export const DEFAULT_BUNDLE = path.join("build", "bundle.tar.gz");
export const TOOLS_FILE = "tools.json";

/** The tool declarations file that goes with a policy directory. */
export function defaultToolsFile(regoDir: string): string {
  return path.join(regoDir, TOOLS_FILE);
}
