// semver.is_valid and semver.compare as OPA's Go builtins: a port of OPA's
// internal/semver (strict SemVer 2.0.0, one optional leading "v", major, minor
// and patch within int64). npm's semver is not used: its loose and coerce modes
// accept what Go rejects, and its strict mode rejects a leading "v".
import { UnanswerableError } from "./unanswerable.ts";

const IDENTIFIERS = /^[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*$/;
const INT64_MAX = 2n ** 63n - 1n;

interface Version {
  major: bigint;
  minor: bigint;
  patch: bigint;
  preRelease: string;
}

function isAllDecimals(s: string): boolean {
  return /^[0-9]*$/.test(s);
}

/** strconv.ParseInt(s, 10, 64) after SemVer's own checks (no sign, no leading zero). */
function parseNumeric(s: string): bigint {
  if (s === "" || s[0] === "+" || s[0] === "-" || (s.length > 1 && s[0] === "0") || !/^[0-9]+$/.test(s)) {
    throw new Error(`${s} is not a valid numeric identifier`);
  }
  const n = BigInt(s);
  if (n > INT64_MAX) throw new Error(`${s} is out of range`);
  return n;
}

function cut(s: string, sep: string): [string, string, boolean] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, "", false] : [s.slice(0, i), s.slice(i + 1), true];
}

export function parseSemVer(text: string): Version {
  let version = text.startsWith("v") ? text.slice(1) : text;
  let metadata: string;
  let found: boolean;
  [version, metadata, found] = cut(version, "+");
  if (found && !IDENTIFIERS.test(metadata)) throw new Error(`invalid metadata identifier: ${metadata}`);
  let preRelease: string;
  [version, preRelease, found] = cut(version, "-");
  if (found && (!IDENTIFIERS.test(preRelease) || preRelease.split(".").some((id) => id.length > 1 && id[0] === "0" && isAllDecimals(id)))) {
    throw new Error(`invalid pre-release identifier: ${preRelease}`);
  }
  const parts = version.split(".");
  if (parts.length !== 3) throw new Error(`${version} should contain major, minor, and patch versions`);
  return { major: parseNumeric(parts[0]!), minor: parseNumeric(parts[1]!), patch: parseNumeric(parts[2]!), preRelease };
}

/** strconv.Atoi: an out-of-range identifier reads as the int64 bound. */
function atoi(s: string): bigint {
  const n = BigInt(s);
  return n > INT64_MAX ? INT64_MAX : n;
}

function sign(a: bigint, b: bigint): number {
  return a > b ? 1 : a < b ? -1 : 0;
}

/** Version.Compare of OPA's internal/semver, step by step. */
export function compareSemVer(v: Version, o: Version): number {
  const c = sign(v.major, o.major) || sign(v.minor, o.minor) || sign(v.patch, o.patch);
  if (c !== 0) return c;
  if (v.preRelease === o.preRelease) return 0;
  if (v.preRelease === "") return 1;
  if (o.preRelease === "") return -1;
  let [a, afterA] = cut(v.preRelease, ".");
  let [b, afterB] = cut(o.preRelease, ".");
  for (;;) {
    // Every identifier compared equal and yet the texts differ (numbers past int64 read as its
    // bound): OPA's loop never ends here. Never answer, and never spin: fail the evaluation.
    if (a === "" && b === "") throw new UnanswerableError("semver.compare", "pre-releases that differ only in numbers beyond int64 (OPA's compare does not terminate)");
    if (a === "" && b !== "") return -1;
    if (a !== "" && b === "") return 1;
    const aIsInt = isAllDecimals(a);
    const bIsInt = isAllDecimals(b);
    if (aIsInt && !bIsInt) return -1;
    if (!aIsInt && bIsInt) return 1;
    if (aIsInt && bIsInt) {
      const n = sign(atoi(a), atoi(b));
      if (n !== 0) return n;
    } else if (a !== b) {
      return a > b ? 1 : -1;
    }
    if (afterA !== "" && afterB === "") return 1;
    if (afterA === "" && afterB !== "") return -1;
    [a, afterA] = cut(afterA, ".");
    [b, afterB] = cut(afterB, ".");
  }
}

export function semverIsValid(version: unknown): boolean {
  if (typeof version !== "string") return false;
  try {
    parseSemVer(version);
    return true;
  } catch {
    return false;
  }
}

export function semverCompare(a: unknown, b: unknown): number {
  if (typeof a !== "string" || typeof b !== "string") throw new TypeError("semver.compare: operands must be strings");
  return compareSemVer(parseSemVer(a), parseSemVer(b));
}
