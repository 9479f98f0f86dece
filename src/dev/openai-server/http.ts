import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * An error the server reports in OpenAI's shape:
 * `{"error": {"message", "type", "param", "code"}}` with an HTTP status.
 * Handlers throw it; the server turns it into the response.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly code: string | null;

  constructor(status: number, message: string, options: { type?: string; param?: string; code?: string } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.type = options.type ?? "invalid_request_error";
    this.param = options.param ?? null;
    this.code = options.code ?? null;
  }
}

export function notFound(what: string, id: string): ApiError {
  return new ApiError(404, `No ${what} found with id '${id}'.`);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "x-request-id": `req_${status}_${Date.now().toString(36)}`,
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: ApiError): void {
  sendJson(
    res,
    error.status,
    { error: { message: error.message, type: error.type, param: error.param, code: error.code } },
    // The SDK retries 408/409/429/5xx by default; a retry would consume
    // another scripted turn and record a duplicate submission.
    { "x-should-retry": "false" },
  );
}

/** Reads the whole request body as UTF-8 text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Narrows a request body to a JSON object, the only body shape any endpoint takes. */
export function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ApiError(400, "The request body must be a JSON object.");
  }
  return body as Record<string, unknown>;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function requiredString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== "string" || value === "") throw new ApiError(400, `Missing required parameter: '${field}'.`, { param: field });
  return value;
}

export function optionalArray(body: Record<string, unknown>, field: string): unknown[] {
  const value = body[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ApiError(400, `Invalid type for '${field}': expected an array.`, { param: field });
  return value;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
