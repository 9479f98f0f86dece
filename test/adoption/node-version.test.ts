import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { minimumFromRange, nodeVersionProblem } from "../../src/cli/node-version.ts";
import { repoRoot } from "../helpers/seed-bundle.ts";

type Version = [number, number, number];
const parse = (v: string): Version => {
  const [a = 0, b = 0, c = 0] = v.split(".").map((n) => Number.parseInt(n, 10) || 0);
  return [a, b, c];
};
const compare = (x: Version, y: Version): number => x[0] - y[0] || x[1] - y[1] || x[2] - y[2];

/** Whether version `v` satisfies an engines range of the forms dependencies use (">=22.12.0", ">= 14.6", ">=16 || 14 >=14.17"). */
function satisfies(v: Version, range: string): boolean {
  return range.split("||").some((alternative) =>
    alternative
      .trim()
      .replace(/(>=|<=|>|<|\^)\s+/g, "$1")
      // "10.x" is "10" (any 10.x), as npm reads it.
      .replace(/(\d)(?:\.[xX*])+(?=\s|$)/g, "$1")
      .split(/\s+/)
      .every((comparator) => {
        const m = /^(>=|<=|>|<|\^)?v?(\d+(?:\.\d+){0,2})$/.exec(comparator);
        if (!m) throw new Error(`unexpected engines comparator ${comparator} in ${range}`);
        const bound = parse(m[2]!);
        const c = compare(v, bound);
        switch (m[1]) {
          case ">=": return c >= 0;
          case ">": return c > 0;
          case "<=": return c <= 0;
          case "<": return c < 0;
          case "^": return v[0] === bound[0] && c >= 0;
          default: {
            // A bare version matches at its precision ("14" is any 14.x).
            const precision = m[2]!.split(".").length;
            return v.slice(0, precision).every((n, i) => n === bound[i]);
          }
        }
      }),
  );
}

const manifest = JSON.parse(await readFile(path.join(repoRoot, "package.json"), "utf8")) as { engines: { node: string } };

describe("the Node version the package needs", () => {
  it("is at least what every installed (non-dev) dependency declares (engines.node)", async () => {
    const lock = JSON.parse(await readFile(path.join(repoRoot, "package-lock.json"), "utf8")) as { packages: Record<string, { dev?: boolean }> };
    const ours = minimumFromRange(manifest.engines.node);
    const tooLow: string[] = [];
    for (const [key, entry] of Object.entries(lock.packages)) {
      if (key === "" || entry.dev) continue;
      const { engines } = JSON.parse(await readFile(path.join(repoRoot, key, "package.json"), "utf8")) as { engines?: { node?: string } };
      if (engines?.node && !satisfies(ours, engines.node)) tooLow.push(`${key} needs node ${engines.node}`);
    }
    expect(tooLow).toEqual([]);
    // And one below ours fails some dependency's range (so the check can fail).
    expect(satisfies([22, 21, 0], ">= 22.22")).toBe(false);
    expect(satisfies([22, 0, 0], ">=16 || 14 >=14.17")).toBe(true);
    expect(satisfies([14, 16, 0], ">=16 || 14 >=14.17")).toBe(false);
    expect(satisfies([9, 0, 0], ">= 10.x")).toBe(false);
    expect(satisfies([22, 22, 0], ">= 10.x")).toBe(true);
    // chokidar 6 is the strictest today; the range is exactly its floor.
    expect(manifest.engines.node).toBe(">=22.22");
  });

  it("the bin's check refuses older Nodes with what to do, accepts the floor and newer", () => {
    expect(minimumFromRange(manifest.engines.node)).toEqual([22, 22, 0]);
    expect(nodeVersionProblem("20.20.2", manifest.engines.node)).toMatch(/^toolgate needs Node >=22\.22 \(this is Node 20\.20\.2\)\. Install a current Node/);
    expect(nodeVersionProblem("22.21.9", manifest.engines.node)).toBeDefined();
    expect(nodeVersionProblem("22.22.0", manifest.engines.node)).toBeUndefined();
    expect(nodeVersionProblem("24.21.0", manifest.engines.node)).toBeUndefined();
    expect(nodeVersionProblem("v30.0.0", manifest.engines.node)).toBeUndefined();
  });
});
