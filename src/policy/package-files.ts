import { existsSync } from "node:fs";
import path from "node:path";
import { ToolgateError } from "../errors.ts";

/** The nearest directory from `dir` up holding a package.json: the package a module belongs to, as Node finds it. */
function packageRootAbove(dir: string): string {
  for (let at = dir; ; at = path.dirname(at)) {
    if (existsSync(path.join(at, "package.json"))) return at;
    if (path.dirname(at) === at) throw new ToolgateError("package_incomplete", `toolgate's package.json is missing above ${dir}: reinstall toolgate`);
  }
}

/**
 * The root of the toolgate package (a checkout, or node_modules/toolgate once
 * installed): the package this module belongs to. Not a fixed number of ".."
 * from this file: the build bundles modules into chunks at other depths under dist/.
 */
export const PACKAGE_ROOT = packageRootAbove(import.meta.dirname);

/** The package's own package.json (its version, its engines). */
export const PACKAGE_JSON_FILE = path.join(PACKAGE_ROOT, "package.json");

/** Whether this module runs from the TypeScript sources (a checkout, the tests), not the built dist/. */
const FROM_SOURCE = import.meta.url.endsWith(".ts");

/**
 * A module of the package that is started by its file, not imported (a
 * worker's entry), named by its path under src/ without extension: the source
 * file when running from source, else the build's entry of that name
 * (scripts/bundle-dist.ts keeps each such entry at dist/<name>.js).
 */
export function ownEntryFile(name: string): string {
  return FROM_SOURCE ? path.join(PACKAGE_ROOT, "src", `${name}.ts`) : path.join(PACKAGE_ROOT, "dist", `${name}.js`);
}

/** The framework Rego that every bundle is compiled with (package toolgate). */
export const FRAMEWORK_DIR = path.join(PACKAGE_ROOT, "framework");

/** Exactly the builtins the runtime provides (scripts/generate-capabilities.ts). */
export const CAPABILITIES_FILE = path.join(PACKAGE_ROOT, "build", "capabilities.json");

/** OPA's graphql.* builtins over gqlparser, as a WASI module (scripts/build-graphql-wasm.sh). */
export const GRAPHQL_WASM_FILE = path.join(PACKAGE_ROOT, "build", "graphql.wasm.gz");

/** JSON schema of toolgate.yaml, for editors (`# yaml-language-server: $schema=...`). */
export const CONFIG_SCHEMA_FILE = path.join(PACKAGE_ROOT, "schemas", "toolgate-config.schema.json");

/** The documentation shipped with the package. */
export const DOCS_DIR = path.join(PACKAGE_ROOT, "docs");

/** What `policy init` scaffolds (templates/init). */
export const INIT_TEMPLATE_DIR = path.join(PACKAGE_ROOT, "templates", "init");
