import type { ServerResponse } from "node:http";

/** Writes a server-sent event stream the way the OpenAI API frames it. */
export class SseWriter {
  readonly #res: ServerResponse;

  constructor(res: ServerResponse) {
    this.#res = res;
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "x-request-id": `req_sse_${Date.now().toString(36)}`,
    });
  }

  /** A named event (Assistants `thread.*`, Responses `response.*`). */
  event(name: string, data: unknown): void {
    this.#res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** An unnamed data-only event (Chat Completions chunks). */
  data(data: unknown): void {
    this.#res.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  /**
   * Ends the stream. Assistants sends `event: done` + `[DONE]`, Chat sends a
   * bare `[DONE]`, Responses just closes; the SDK stops reading at `[DONE]`.
   */
  end(sentinel: "event" | "data" | "none"): void {
    if (sentinel === "event") this.#res.write("event: done\ndata: [DONE]\n\n");
    else if (sentinel === "data") this.#res.write("data: [DONE]\n\n");
    this.#res.end();
  }
}
