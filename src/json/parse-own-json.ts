import { ToolgateError } from "../errors.ts";
import { scanJson } from "./scan-json.ts";

/** JSON this process wrote could not be read back: a bug in toolgate, not in the input. */
export class OwnJsonError extends ToolgateError {
  constructor(detail: string) {
    super("internal_json_invalid", `toolgate could not read back JSON it wrote (${detail}); please report this`);
  }
}

/**
 * Reads back JSON that this process wrote with JSON.stringify (a plain-data
 * copy, the input document): what JSON.parse would return, except that it
 * never misreads keys (V8's JSON.parse reads an escaped one-character key such
 * as "\"" as "\\" once an object with the key "\\" was parsed) and lone
 * surrogates become U+FFFD, so the value is well-formed Unicode.
 */
export function parseOwnJson(text: string): unknown {
  const scanned = scanJson(text, { loneSurrogates: "replace", duplicateKeys: "last" });
  if (!scanned.ok) throw new OwnJsonError(scanned.message);
  return scanned.value;
}
