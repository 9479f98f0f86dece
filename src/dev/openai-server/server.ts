import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { assistantsRoutes } from "./assistants.ts";
import { chatRoutes } from "./chat.ts";
import type { ServerContext } from "./context.ts";
import { ApiError, readBody, sendError } from "./http.ts";
import { Ids } from "./ids.ts";
import { Recorder, type Recording } from "./recording.ts";
import { responsesRoutes } from "./responses.ts";
import { matchRoute, type Route } from "./router.ts";
import { ScriptCursor, type Script, type Surface } from "./script.ts";

export interface StartOptions {
  readonly script: Script;
  /** 0 (the default) picks a free port, so many servers can run in one process. */
  readonly port?: number;
  readonly host?: string;
  /** Poll interval suggested to SDK polling helpers, in ms. Default 1. */
  readonly pollAfterMs?: number;
}

/** A running scripted server. The Recording arrays fill in as clients talk to it. */
export interface OpenAIServer extends Recording {
  /** Origin such as `http://127.0.0.1:54321`; the SDK's `baseURL` is `${url}/v1`. */
  readonly url: string;
  /** How many turns of `surface` clients have consumed so far. */
  turnsConsumed(surface: Surface): number;
  /** Stops listening and drops keep-alive connections so the test process can exit. */
  close(): Promise<void>;
}

/** Starts a local OpenAI-compatible HTTP server that plays `options.script`. */
export async function start(options: StartOptions): Promise<OpenAIServer> {
  const recorder = new Recorder();
  const ctx: ServerContext = {
    script: new ScriptCursor(options.script),
    recorder,
    ids: new Ids(),
    pollAfterMs: options.pollAfterMs ?? 1,
  };
  const routes: Route[] = [...assistantsRoutes(ctx), ...responsesRoutes(ctx), ...chatRoutes(ctx)];

  const server = createServer((req, res) => {
    handle(routes, recorder, req, res).catch((error: unknown) => fail(res, error));
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host}:${port}`,
    requests: recorder.requests,
    toolOutputs: recorder.toolOutputs,
    approvals: recorder.approvals,
    messages: recorder.messages,
    turnsConsumed: (surface) => ctx.script.consumed(surface),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // close() alone waits for idle keep-alive sockets the SDK's fetch pool holds open.
        server.closeAllConnections();
      }),
  };
}

async function handle(routes: readonly Route[], recorder: Recorder, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const method = req.method ?? "GET";
  const text = await readBody(req);
  let body: unknown;
  let parseError: ApiError | undefined;
  try {
    body = text.trim() === "" ? undefined : (JSON.parse(text) as unknown);
  } catch {
    body = text;
    parseError = new ApiError(400, "We could not parse the JSON body of your request.");
  }
  const index = recorder.requests.length;
  recorder.requests.push({
    method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")])),
    body,
  });

  // Any key is accepted, but like the real API a request without one is refused.
  if (!/^Bearer \S+/.test(req.headers.authorization ?? "")) {
    throw new ApiError(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth.");
  }
  if (parseError !== undefined) throw parseError;
  const match = matchRoute(routes, method, url.pathname);
  if (match === undefined) throw new ApiError(404, `Invalid URL (${method} ${url.pathname})`);
  match.route.handle({ method, path: url.pathname, params: match.params, query: Object.fromEntries(url.searchParams), body, index }, res);
}

function fail(res: ServerResponse, error: unknown): void {
  // Mid-stream there is no status line left to send; cutting the stream is the only honest signal.
  if (res.headersSent) {
    res.destroy(error instanceof Error ? error : undefined);
    return;
  }
  sendError(
    res,
    error instanceof ApiError
      ? error
      : new ApiError(500, `The scripted server failed: ${error instanceof Error ? error.message : String(error)}`, { type: "server_error" }),
  );
}
