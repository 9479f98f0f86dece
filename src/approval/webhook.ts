import { scanJson } from "../json/scan-json.ts";
import type { ApprovalNotifier, ApprovalRequest, ApprovalResponse, Approver } from "./approver.ts";
import { ApprovalError } from "./errors.ts";

export interface WebhookApproverOptions {
  /** Where review requests are POSTed. */
  url: string;
  /** Extra headers, e.g. `authorization` for the review service. */
  headers?: Record<string, string>;
  /** Wait between status polls, in ms. Default 1000. */
  pollIntervalMs?: number;
  /** Names the approver when the service's answer does not. Default "webhook". */
  approver?: string;
  /**
   * Base URL of the approvals inbox (`policy approvals serve`, or the inbox
   * mounted in your app). A request for a stored (parked) approval then carries
   * `url: <inboxUrl>/approvals/<approval id>`, a link a reviewer can open.
   */
  inboxUrl?: string;
  /** Longest wait for the service to take a parked approval's notification, in ms. Default 10 s. */
  notifyTimeoutMs?: number;
}

/**
 * The body POSTed to the review service, shaped like the Cheqpoint seed:
 * action / summary / details / justification, plus the binding that the
 * answer must be for.
 */
export interface WebhookReviewRequest {
  action: string;
  summary: string;
  /** `mcp_server_label`: the hosted MCP server whose tool `action` names (absent for the app's own functions). */
  details: { call_id: string; assistant_id: string; thread_id?: string; run_id?: string; mcp_server_label?: string; arguments: Record<string, unknown> };
  justification: string;
  request_id: string;
  timeout_seconds?: number;
  /** The stored approval's id, when the call is parked in an approval store. */
  approval_id?: string;
  /** The inbox page for it: `<inboxUrl>/approvals/<approval_id>` (with WebhookApproverOptions.inboxUrl). */
  url?: string;
  /** When a parked approval expires (ISO-8601 UTC); decide it before then. */
  expires_at?: string;
}

/**
 * A review service's answer, to the POST or to a status poll:
 * `{status: "pending", status_url?}` (poll; default status URL `${url}/${request_id}`),
 * or `{status: "approved" | "rejected", approver?, note?, arguments?}`.
 */
interface WebhookAnswer {
  status: "pending" | "approved" | "rejected";
  status_url?: string;
  request_id?: string;
  approver?: string;
  note?: string;
  arguments?: Record<string, unknown>;
}

/**
 * Asks a human-review service over HTTP. The service may answer at once, hold
 * the POST until a human decides, or answer `pending` and be polled. Waiting
 * ends when the request's signal aborts (the approval timeout): the caller denies.
 */
export class WebhookApprover implements Approver, ApprovalNotifier {
  readonly #options: WebhookApproverOptions;

  constructor(options: WebhookApproverOptions) {
    this.#options = options;
  }

  async request(request: ApprovalRequest): Promise<ApprovalResponse> {
    const body = this.#body(request);
    let answer = await this.#fetch(this.#options.url, request.signal, {
      method: "POST",
      headers: { "content-type": "application/json", ...this.#options.headers },
      body: JSON.stringify(body),
    });
    const statusUrl = new URL(answer.status_url ?? `${this.#options.url.replace(/\/$/, "")}/${encodeURIComponent(request.binding)}`, this.#options.url).href;
    while (answer.status === "pending") {
      await sleep(this.#options.pollIntervalMs ?? 1000, request.signal);
      answer = await this.#fetch(statusUrl, request.signal, { headers: { ...this.#options.headers } });
    }
    // A service answering for another request must not approve this one.
    if (answer.request_id !== undefined && answer.request_id !== request.binding) {
      throw new ApprovalError(`the review service answered for request ${answer.request_id}, not ${request.binding}`);
    }
    const approver = answer.approver ?? this.#options.approver ?? "webhook";
    const note = answer.note === undefined ? {} : { note: answer.note };
    return answer.status === "approved"
      ? { status: "approved", approver, ...note, ...(answer.arguments === undefined ? {} : { arguments: answer.arguments }) }
      : { status: "rejected", approver, ...note };
  }

  /**
   * As a ToolGuard `notifier`: tells the review service about a parked
   * approval (the same body, with `approval_id`, `url` and `expires_at`) and
   * waits for nothing but the POST's acknowledgement: the decision is made in
   * the approval store (the inbox). Throws ApprovalError when the service
   * does not take it; the call stays parked either way.
   */
  async notify(request: ApprovalRequest): Promise<void> {
    const signal = AbortSignal.timeout(this.#options.notifyTimeoutMs ?? 10_000);
    let response: Response;
    try {
      response = await fetch(this.#options.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...this.#options.headers },
        body: JSON.stringify(this.#body(request)),
        signal,
      });
    } catch (err) {
      throw new ApprovalError(`the review service at ${this.#options.url} is unreachable: ${(err as Error).message}`, { cause: err });
    }
    const text = await response.text();
    if (!response.ok) throw new ApprovalError(`the review service at ${this.#options.url} answered HTTP ${response.status}: ${text.slice(0, 200)}`);
  }

  #body(request: ApprovalRequest): WebhookReviewRequest {
    const inbox = this.#options.inboxUrl;
    const id = request.approvalId;
    return {
      action: request.call.name,
      summary: request.summary,
      details: {
        call_id: request.call.call_id,
        assistant_id: request.call.assistant_id,
        ...(request.call.thread_id === undefined ? {} : { thread_id: request.call.thread_id }),
        ...(request.call.run_id === undefined ? {} : { run_id: request.call.run_id }),
        ...(request.call.tool_type === "mcp" ? { mcp_server_label: String(request.call.server_label) } : {}),
        arguments: { ...request.arguments },
      },
      justification: request.reasons.map((r) => r.message).join("; "),
      request_id: request.binding,
      ...(typeof request.hint?.timeout_seconds === "number" ? { timeout_seconds: request.hint.timeout_seconds } : {}),
      ...(id === undefined ? {} : { approval_id: id }),
      ...(id !== undefined && inbox !== undefined ? { url: `${inbox.endsWith("/") ? inbox.slice(0, -1) : inbox}/approvals/${encodeURIComponent(id)}` } : {}),
      ...(request.expiresAt === undefined ? {} : { expires_at: request.expiresAt }),
    };
  }

  async #fetch(url: string, signal: AbortSignal, init: RequestInit): Promise<WebhookAnswer> {
    let response: Response;
    try {
      response = await fetch(url, { ...init, signal });
    } catch (err) {
      if (signal.aborted) throw err;
      throw new ApprovalError(`the review service at ${url} is unreachable: ${(err as Error).message}`, { cause: err });
    }
    const text = await response.text();
    if (!response.ok) throw new ApprovalError(`the review service at ${url} answered HTTP ${response.status}: ${text.slice(0, 200)}`);
    // Strict: an answer with a key given twice (`"status":"rejected",...,"status":"approved"`, e.g. from a
    // note pasted into hand-built JSON) means one thing to the service and another to JSON.parse.
    const scanned = scanJson(text);
    if (!scanned.ok) {
      const what = scanned.problem === "syntax" ? "non-JSON" : `ambiguous JSON (${scanned.message})`;
      throw new ApprovalError(`the review service at ${url} answered with ${what}: ${text.slice(0, 200)}`);
    }
    const answer = scanned.value;
    if (!isAnswer(answer)) throw new ApprovalError(`the review service at ${url} answered without a status of pending, approved or rejected`);
    return answer;
  }
}

function isAnswer(value: unknown): value is WebhookAnswer {
  const answer = value as Partial<WebhookAnswer> | null;
  return (
    typeof answer === "object" &&
    answer !== null &&
    (answer.status === "pending" || answer.status === "approved" || answer.status === "rejected") &&
    (answer.arguments === undefined || (typeof answer.arguments === "object" && answer.arguments !== null && !Array.isArray(answer.arguments)))
  );
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
