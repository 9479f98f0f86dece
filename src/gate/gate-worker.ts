// One worker of a GatePool: a Gate of its own (its own WASM instance) serving
// evaluate requests from the pool. Loaded by src/gate/gate-pool.ts only.
import { parentPort, workerData } from "node:worker_threads";
import { PolicyEngine } from "../policy/engine.ts";
import { describeThrown } from "../policy/errors.ts";
import { Gate } from "./gate.ts";
import type { WorkerInit, WorkerReply, WorkerRequest } from "./gate-pool.ts";

const init = workerData as WorkerInit;
const port = parentPort!;
const gate = new Gate(undefined, { tools: init.tools, limits: init.limits });

async function load(bundlePath: string): Promise<void> {
  gate.use(await PolicyEngine.open(bundlePath));
}

port.on("message", (request: WorkerRequest) => {
  if (request.kind === "decide") {
    const evaluated = gate.evaluate(request.call, request.usage);
    const reply: WorkerReply = { kind: "decided", id: request.id, decision: evaluated.decision, input: request.withInput ? evaluated.input : undefined };
    // The input's canonical text too, so the pool's thread splices it into the record instead of encoding the document again.
    const built = evaluated.built;
    if (request.withInput && built?.canonical) {
      reply.inputJson = built.json;
      if (built.argumentsJson !== undefined) reply.argumentsJson = built.argumentsJson;
    }
    port.postMessage(reply);
    return;
  }
  load(request.bundlePath).then(
    () => port.postMessage({ kind: "loaded", id: request.id, revision: gate.revision } satisfies WorkerReply),
    (err: unknown) => port.postMessage({ kind: "load_failed", id: request.id, message: describeThrown(err) } satisfies WorkerReply),
  );
});

await load(init.bundlePath);
port.postMessage({ kind: "ready", revision: gate.revision } satisfies WorkerReply);
