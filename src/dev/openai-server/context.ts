import { ApiError } from "./http.ts";
import type { Ids } from "./ids.ts";
import type { Recorder } from "./recording.ts";
import type { Script, ScriptCursor, Surface } from "./script.ts";

/** What every surface handler shares within one server instance. */
export interface ServerContext {
  readonly script: ScriptCursor;
  readonly recorder: Recorder;
  readonly ids: Ids;
  /** Sent as `openai-poll-after-ms` so SDK polling helpers do not wait 5 s between polls. */
  readonly pollAfterMs: number;
}

/**
 * The next turn of `surface`. An exhausted script is a 400 rather than a
 * made-up answer, so a client that loops longer than the test expected fails
 * loudly instead of hanging or passing by accident.
 */
export function takeTurn<S extends Surface>(ctx: ServerContext, surface: S): NonNullable<Script[S]>[number] {
  const turn = ctx.script.take(surface);
  if (turn === undefined) {
    throw new ApiError(400, `The scripted model has no ${surface} turn left (turn ${ctx.script.consumed(surface) + 1} was requested).`, {
      code: "script_exhausted",
    });
  }
  return turn;
}
