import type { ServerResponse } from "node:http";

export interface HandlerRequest {
  readonly method: string;
  readonly path: string;
  /** Values of the `:name` segments of the matched pattern. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly body: unknown;
  /** Index of this request in `Recording.requests`. */
  readonly index: number;
}

/** Handles one request; throws ApiError for OpenAI-shaped failures. */
export type Handler = (req: HandlerRequest, res: ServerResponse) => void;

export interface Route {
  readonly method: "GET" | "POST";
  /** Path template such as `/v1/threads/:thread_id/runs`. */
  readonly pattern: string;
  readonly handle: Handler;
}

export function matchRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { route: Route; params: Record<string, string> } | undefined {
  const segments = path.split("/");
  for (const route of routes) {
    if (route.method !== method) continue;
    const pattern = route.pattern.split("/");
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = pattern.every((part, i) => {
      const segment = segments[i] ?? "";
      if (!part.startsWith(":")) return part === segment;
      params[part.slice(1)] = decodeURIComponent(segment);
      return segment !== "";
    });
    if (matches) return { route, params };
  }
  return undefined;
}
