// The same seed policy and the same tool calls decided three ways:
// (a) the toolgate gate in-process (parse, schema, input, WASM, decision check),
// (b) the raw opa-wasm SDK call alone on the same input documents (pre-encoded),
// (c) a real OPA server (opa run --server, same Rego + config) over HTTP/1.1 keep-alive.
import path from "node:path";
import type { ToolCall } from "../../src/gate/tool-call.ts";
import { loadAllBuiltins } from "../../src/policy/builtins/index.ts";
import { instantiatePolicy } from "../../src/policy/wasm-instance.ts";
import { DECISION_ENTRYPOINT } from "../../src/policy/engine.ts";
import { largeCalls, root, seedCalls, seedGate } from "./gate.ts";
import { startOpaServer } from "./opa-server.ts";
import { measure, measureAsync, type LatencyStats } from "./stats.ts";

export interface SideBySide {
  gate: LatencyStats;
  sdk: LatencyStats;
  server: LatencyStats;
  /** gate p50 / raw SDK p50 */
  gate_over_sdk_p50: number;
  /** server p50 / gate p50 */
  server_over_gate_p50: number;
}

export interface SideBySideResult {
  revision: string;
  small: SideBySide;
  large_64k: SideBySide;
}

const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;

export async function benchSideBySide(iterations = 20_000, serverIterations = 5_000): Promise<SideBySideResult> {
  const { gate, engine } = await seedGate();
  const encoder = new TextEncoder();
  // The SDK's LoadedPolicy with the runtime's builtins (its own loader would put its JS sprintf,
  // which differs from OPA's Go one, before toolgate's).
  const wasm = engine.bundle.wasm as Uint8Array<ArrayBuffer>;
  const sdk = instantiatePolicy(await WebAssembly.compile(wasm), Math.ceil(wasm.byteLength / 65536) + 2, await loadAllBuiltins());
  sdk.setData(engine.bundle.data);

  const server = await startOpaServer(path.join(root, "rego"));
  try {
    const run = async (calls: ToolCall[], n: number, serverN: number): Promise<SideBySide> => {
      // Only calls that reach the policy have an input document; (b) and (c) decide exactly those.
      const decided = calls.filter((c) => gate.evaluate(c, "fresh").input !== undefined);
      const inputs = decided.map((c) => JSON.stringify(gate.evaluate(c, "fresh").input));
      const encoded = inputs.map((json) => encoder.encode(json).buffer as ArrayBuffer);
      // Same decisions everywhere, or the comparison is meaningless.
      for (const [i, json] of inputs.entries()) {
        const viaSdk = (sdk.evaluate(encoded[i], DECISION_ENTRYPOINT) as Array<{ result: { effect: string } }>)[0]!.result;
        const viaServer = (await server.decide(json)) as { effect: string };
        const viaGate = gate.evaluate(decided[i]!, "fresh").decision;
        if (viaSdk.effect !== viaGate.effect || viaServer.effect !== viaGate.effect) {
          throw new Error(`decisions differ for ${decided[i]!.name}: gate ${viaGate.effect}, sdk ${viaSdk.effect}, server ${viaServer.effect}`);
        }
      }
      const g = measure((i) => gate.evaluate(decided[i % decided.length]!), n, Math.min(2000, n));
      const s = measure((i) => sdk.evaluate(encoded[i % encoded.length], DECISION_ENTRYPOINT), n, Math.min(2000, n));
      const o = await measureAsync((i) => server.decide(inputs[i % inputs.length]!), serverN, Math.min(500, serverN));
      return { gate: g, sdk: s, server: o, gate_over_sdk_p50: ratio(g.p50_us, s.p50_us), server_over_gate_p50: ratio(o.p50_us, g.p50_us) };
    };
    const small = await run(await seedCalls(), iterations, serverIterations);
    const large = await run(largeCalls(), Math.max(500, iterations / 20), Math.max(300, serverIterations / 10));
    return { revision: engine.revision, small, large_64k: large };
  } finally {
    await server.stop();
  }
}
