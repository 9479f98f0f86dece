import type { Surface } from "./script.ts";

/** One HTTP request exactly as the server received it. */
export interface RecordedRequest {
  readonly method: string;
  /** Path without the query string, e.g. `/v1/threads/thread_1/runs`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Lower-cased header names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON body, or undefined for a request without one. */
  readonly body: unknown;
}

/** A tool result the client submitted for one call id. */
export interface RecordedToolOutput {
  readonly surface: Surface;
  /** Index into `Recording.requests` of the request that carried it. */
  readonly request: number;
  readonly callId: string;
  /**
   * As sent: a string, or (Responses / Chat) an array of content parts.
   * Assistants outputs may legitimately be absent, hence undefined.
   */
  readonly output: unknown;
  /** `custom` for Responses `custom_tool_call_output`, `function` otherwise. */
  readonly kind: "function" | "custom";
}

/** A Responses `mcp_approval_response` input item. */
export interface RecordedApproval {
  readonly request: number;
  readonly approvalRequestId: string;
  readonly approve: boolean;
  readonly reason?: string;
}

/** A conversational message the client added (not a tool result). */
export interface RecordedMessage {
  readonly surface: Surface;
  readonly request: number;
  readonly role: string;
  /** As sent: a string or an array of content parts. */
  readonly content: unknown;
}

/**
 * Everything clients sent, in arrival order. Arrays are appended to in place,
 * so a test can hold the object and read it after driving the SDK.
 */
export interface Recording {
  readonly requests: readonly RecordedRequest[];
  readonly toolOutputs: readonly RecordedToolOutput[];
  readonly approvals: readonly RecordedApproval[];
  readonly messages: readonly RecordedMessage[];
}

/** The writable side of a Recording, used by the handlers. */
export class Recorder implements Recording {
  readonly requests: RecordedRequest[] = [];
  readonly toolOutputs: RecordedToolOutput[] = [];
  readonly approvals: RecordedApproval[] = [];
  readonly messages: RecordedMessage[] = [];
}
