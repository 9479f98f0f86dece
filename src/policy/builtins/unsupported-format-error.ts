/** A format toolgate cannot print exactly as Go does; fails the evaluation (deny), never a different string. */
export class UnsupportedFormatError extends Error {
  readonly code = "unsupported_format";
}
