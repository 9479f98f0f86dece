/**
 * The Node version check the `policy` bin runs before it imports anything else.
 * Plain code only (no dependency, nothing newer than Node 18): it must run on
 * the old Node it is there to refuse.
 */

/** `>=22.22` (package.json engines.node) as [major, minor, patch]. */
export function minimumFromRange(range: string): [number, number, number] {
  const match = /^\s*>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(range);
  if (!match) throw new Error(`engines.node must be of the form ">=MAJOR.MINOR", got ${JSON.stringify(range)}`);
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
}

/** Undefined when `version` (process.versions.node) satisfies `range`, else what to tell the user. */
export function nodeVersionProblem(version: string, range: string): string | undefined {
  const have = version.replace(/^v/, "").split(".").map((part) => Number.parseInt(part, 10) || 0);
  const need = minimumFromRange(range);
  for (let i = 0; i < 3; i += 1) {
    const h = have[i] ?? 0;
    const n = need[i] as number;
    if (h > n) return undefined;
    if (h < n) {
      return (
        `toolgate needs Node ${range.trim()} (this is Node ${version}). ` +
        "Install a current Node 22 or 24 (nodejs.org, or your version manager: nvm install 24, fnm use 24, volta install node@24), " +
        "or add the npm package `node@24` to your project's devDependencies and run policy through npx."
      );
    }
  }
  return undefined;
}
