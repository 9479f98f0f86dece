import type { Surface } from "./tool-call.ts";

export const INPUT_VERSION = 1;

/** What Rego sees as `input` (schemas/input.schema.json). */
export interface InputDocument {
  version: typeof INPUT_VERSION;
  surface: Surface;
  assistant_id: string;
  thread_id?: string;
  run_id?: string;
  call_id: string;
  tool: { name: string; type: "function" };
  arguments: Record<string, unknown>;
  /** The constraints that apply to this tool for this assistant (toolgate.yaml, resolved). */
  constraints: Record<string, unknown>;
  context: Record<string, unknown>;
}
