import type { LoadedPolicy } from "@open-policy-agent/opa-wasm";

interface PolicyExports {
  builtins(): number;
  opa_json_dump(addr: number): number;
}

function readCString(memory: WebAssembly.Memory, addr: number): string {
  const bytes = new Uint8Array(memory.buffer);
  let end = addr;
  while (bytes[end] !== 0) end += 1;
  return new TextDecoder().decode(bytes.subarray(addr, end));
}

/**
 * The builtins a compiled module imports from its host, by name: those OPA's
 * WASM target does not implement natively.
 */
export function importedBuiltins(policy: LoadedPolicy): string[] {
  const instance = "instance" in policy.wasmInstance ? policy.wasmInstance.instance : policy.wasmInstance;
  const exports = instance.exports as unknown as PolicyExports;
  const json = readCString(policy.mem, exports.opa_json_dump(exports.builtins()));
  return Object.keys(JSON.parse(json) as Record<string, number>);
}
