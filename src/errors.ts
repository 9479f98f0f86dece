/**
 * Base class of every error toolgate raises on purpose. `code` is stable and
 * documented; `message` tells the user what to do.
 */
export class ToolgateError extends Error {
  readonly code: string;
  /** Exit status the CLI uses for this error. */
  readonly exitCode: number;

  constructor(code: string, message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options?.exitCode ?? 2;
  }
}
