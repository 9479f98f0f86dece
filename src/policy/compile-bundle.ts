import type { CompiledBundle, CompileOptions } from "./compile.ts";

export type { CompiledBundle, CompileOptions } from "./compile.ts";

/**
 * compileBundle (compile.ts), loaded on first use: the compiler's imports (the
 * toolgate.yaml reader, its schema, the rule lint, the opa driver) are not what
 * a host that only opens prebuilt bundles should pay for at import.
 */
export async function compileBundle(options: CompileOptions): Promise<CompiledBundle> {
  const compiler = await import("./compile.ts");
  return compiler.compileBundle(options);
}
