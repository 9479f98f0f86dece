import path from "node:path";

/** The root of the toolgate package (a checkout, or node_modules/toolgate once installed). */
export const PACKAGE_ROOT = path.resolve(import.meta.dirname, "..", "..");

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
