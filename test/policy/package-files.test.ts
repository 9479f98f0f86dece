// Files the package finds by path: from the sources here, and (through the
// build's entry list) from the bundled dist/, whose chunks sit at other depths
// than the modules they hold. The installed package is checked by test/adoption.
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ENTRIES } from "../../scripts/bundle-dist.ts";
import { CAPABILITIES_FILE, CONFIG_SCHEMA_FILE, FRAMEWORK_DIR, INIT_TEMPLATE_DIR, PACKAGE_JSON_FILE, PACKAGE_ROOT, ownEntryFile } from "../../src/policy/package-files.ts";
import { repoRoot } from "../helpers/seed-bundle.ts";

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith(".ts")).map((e) => path.join(e.parentPath, e.name));
}

describe("package files", () => {
  it("the package root is the checkout's, and the files the runtime reads are there", () => {
    expect(PACKAGE_ROOT).toBe(repoRoot);
    expect(PACKAGE_JSON_FILE).toBe(path.join(repoRoot, "package.json"));
    for (const file of [CAPABILITIES_FILE, CONFIG_SCHEMA_FILE, FRAMEWORK_DIR, INIT_TEMPLATE_DIR]) expect(existsSync(file), file).toBe(true);
  });

  it("from source, a module started by its file is the source file", () => {
    expect(ownEntryFile("gate/gate-worker")).toBe(path.join(repoRoot, "src", "gate", "gate-worker.ts"));
  });

  it("the build keeps an entry for every module started by its file, and for every export and bin of package.json", async () => {
    const started = new Set<string>();
    for (const file of await sourceFiles(path.join(repoRoot, "src"))) {
      for (const m of (await readFile(file, "utf8")).matchAll(/ownEntryFile\("([^"]+)"\)/g)) started.add(m[1]!);
    }
    expect([...started]).toEqual(["gate/gate-worker"]);
    const pkg = JSON.parse(await readFile(PACKAGE_JSON_FILE, "utf8")) as { exports: Record<string, { default: string }>; bin: Record<string, string> };
    const published = [...Object.values(pkg.exports).map((e) => e.default), ...Object.values(pkg.bin)].map((file) => file.replace(/^(\.\/)?dist\//, "").replace(/\.js$/, ""));
    for (const name of [...started, ...published]) expect(ENTRIES[name], name).toBe(`src/${name}.ts`);
  });
});
