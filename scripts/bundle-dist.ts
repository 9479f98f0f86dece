// The JavaScript of dist/: each public entry (and each file the package
// starts by path) bundled by rolldown from src/, so that a cold start reads a
// handful of files instead of one module per source file. What src/ imports
// on first use (stores, servers, adapters, builtin files, the compiler...)
// stays a separate chunk, still loaded on first use; third-party packages and
// Node's builtins stay imports. tsc emits the .d.ts files (npm run build).
// Run by `npm run build`, after tsc. rolldown is vite's bundler, installed
// with vitest (package-lock.json); dist/ imports nothing from it.
import { rmSync } from "node:fs";
import path from "node:path";
import { build, type Plugin } from "rolldown";

const root = path.resolve(import.meta.dirname, "..");

/** dist/<name>.js <- src/<file>: package.json's exports and bin, and the files started by path (src/policy/package-files.ts ownEntryFile). */
export const ENTRIES: Record<string, string> = {
  index: "src/index.ts",
  "gate-entry": "src/gate-entry.ts",
  "openai/agents": "src/openai/agents.ts",
  "dev/openai-server/index": "src/dev/openai-server/index.ts",
  "cli/bin": "src/cli/bin.ts",
  "gate/gate-worker": "src/gate/gate-worker.ts",
};

/** Only the package's own modules are bundled: a bare specifier (a dependency) or node: builtin stays an import. */
const isExternal = (id: string): boolean => !id.startsWith(".") && !path.isAbsolute(id);

/**
 * The modules each entry imports statically (itself included), found from the
 * module graph once it is built: a cold start of "toolgate/gate" loads one
 * chunk of them, "toolgate" that one and one more, instead of one chunk per
 * set of importers (what a dynamic import shares with its entry). The gate's
 * group comes first, with src/gate-entry.ts in it: "toolgate" re-exports it,
 * and "toolgate/gate" must not import the chunk of "toolgate".
 */
function staticClosures(): { plugin: Plugin; closure: (entry: string) => Set<string> } {
  const closures = new Map<string, Set<string>>();
  const plugin: Plugin = {
    name: "toolgate-static-closures",
    buildEnd() {
      for (const [name, file] of Object.entries(ENTRIES)) {
        const entryId = path.join(root, file);
        const seen = new Set<string>();
        const pending = [entryId];
        for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
          if (seen.has(id)) continue;
          seen.add(id);
          for (const imported of this.getModuleInfo(id)?.importedIds ?? []) if (path.isAbsolute(imported)) pending.push(imported);
        }
        closures.set(name, seen);
      }
    },
  };
  return { plugin, closure: (entry) => closures.get(entry) ?? new Set() };
}

export async function bundleDist(outDir = path.join(root, "dist")): Promise<void> {
  rmSync(path.join(outDir, "chunks"), { recursive: true, force: true });
  const { plugin, closure } = staticClosures();
  await build({
    cwd: root,
    input: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, path.join(root, file)])),
    platform: "node",
    external: isExternal,
    tsconfig: path.join(root, "tsconfig.build.json"),
    logLevel: "warn",
    // A warning fails the build (it names something the bundle gets wrong), but one: builtins/regex.ts
    // is on the gate's static path (the secret rules' prefilter), so builtins/index.ts importing it on
    // first use changes nothing.
    onLog(level, log, handler) {
      if (log.code === "INEFFECTIVE_DYNAMIC_IMPORT" && log.message.includes("src/policy/builtins/regex.ts is dynamically imported")) return;
      handler(level === "warn" ? "error" : level, log);
    },
    plugins: [plugin],
    output: {
      dir: outDir,
      format: "esm",
      entryFileNames: "[name].js",
      chunkFileNames: "chunks/[name]-[hash].js",
      codeSplitting: {
        groups: [
          { name: "gate", test: (id) => closure("gate-entry").has(id), priority: 2 },
          { name: "toolgate", test: (id) => closure("index").has(id), priority: 1 },
        ],
      },
      // ToolgateError's name is its class's (new.target.name): a renamed class would change it.
      keepNames: true,
      sourcemap: true,
      // Readable stack traces from the installed package, which ships no source maps; minifying saved
      // under 2 ms of a cold start (measured).
      minify: false,
    },
  });
}

if (import.meta.main) await bundleDist();
