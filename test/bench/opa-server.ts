// A real OPA server for the side-by-side benchmark: `opa run --server` on a
// free loopback port, loaded with the same Rego and config the bundle is built
// from, queried over HTTP/1.1 keep-alive. Always stopped by the caller (stop()
// in a finally; the process is also killed if this one exits).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { Agent, request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadPolicyConfig } from "../../src/policy/config.ts";
import { FRAMEWORK_DIR, policyData } from "../../src/policy/compile.ts";
import { opaBinary } from "../../src/policy/opa-binary.ts";

export interface OpaServer {
  port: number;
  /** POSTs {"input": <inputJson>} to /v1/data/toolgate/decision; resolves to the decision. */
  decide(inputJson: string): Promise<unknown>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

async function regoFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".rego") && !e.name.endsWith("_test.rego"))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

export async function startOpaServer(regoDir: string): Promise<OpaServer> {
  const work = await mkdtemp(path.join(tmpdir(), "toolgate-opa-server-"));
  const config = await loadPolicyConfig(path.join(regoDir, "toolgate.yaml"));
  // A data file given to opa is merged at the data root: nest the config and secret rules as compile.ts does.
  const dataFile = path.join(work, "data.json");
  await writeFile(dataFile, JSON.stringify(policyData(config)));
  const files = [...(await regoFiles(FRAMEWORK_DIR)), ...(await regoFiles(regoDir)), dataFile];
  const port = await freePort();
  const child: ChildProcess = spawn(
    opaBinary(),
    ["run", "--server", "--addr", `127.0.0.1:${port}`, "--log-level", "error", "--disable-telemetry", ...files],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const killOnExit = (): void => void child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });

  const stop = async (): Promise<void> => {
    agent.destroy();
    process.removeListener("exit", killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
      await exited;
      clearTimeout(timer);
    }
    await rm(work, { recursive: true, force: true });
  };

  const post = (pathname: string, body: string): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1", port, method: "POST", path: pathname, agent,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });

  const decide = async (inputJson: string): Promise<unknown> => {
    const { status, text } = await post("/v1/data/toolgate/decision", `{"input":${inputJson}}`);
    if (status !== 200) throw new Error(`opa server answered ${status}: ${text.slice(0, 200)}`);
    return (JSON.parse(text) as { result?: unknown }).result;
  };

  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`opa run exited (${child.exitCode}): ${stderr.trim()}`);
      try {
        await decide("{}");
        break;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`opa server did not come up on port ${port}: ${String(err)} ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, decide, stop };
}
