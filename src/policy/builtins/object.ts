// Host implementation of OPA's object.subset (topdown/subset.go), reading its
// operands as Rego text: a set and an array mean different things to it.
import { decimal } from "./go-value.ts";
import { parseRegoText, type RegoValue } from "./rego-text.ts";

/** A text equal for exactly the values Go's Term.Equal finds equal (1 and 1.0 are one number). */
function key(v: RegoValue): string {
  switch (v.kind) {
    case "null": return "null";
    case "boolean": return String(v.value);
    case "number": {
      const d = decimal(v.text);
      return d.digits === "" ? "n0" : `n${d.negative ? "-" : ""}${d.digits}e${d.exp}`;
    }
    case "string": return JSON.stringify(v.value);
    case "array": return `[${v.items.map(key).join(",")}]`;
    case "set": return `{${v.items.map(key).sort().join(",")}}`;
    case "object": return `o{${v.entries.map(([k, x]) => `${key(k)}:${key(x)}`).sort().join(",")}}`;
  }
}

function setSubset(superSet: RegoValue[], subSet: RegoValue[]): boolean {
  const keys = new Set(superSet.map(key));
  return subSet.every((x) => keys.has(key(x)));
}

/** Whether sub appears in super as a contiguous run (Go's naive search; Knuth-Morris-Pratt here, linear). */
function arraySubset(superArray: RegoValue[], subArray: RegoValue[]): boolean {
  if (subArray.length === 0) return true;
  if (subArray.length > superArray.length) return false;
  const pattern = subArray.map(key);
  const text = superArray.map(key);
  const fail = new Array<number>(pattern.length).fill(0);
  for (let i = 1, k = 0; i < pattern.length; i++) {
    while (k > 0 && pattern[i] !== pattern[k]) k = fail[k - 1]!;
    if (pattern[i] === pattern[k]) k += 1;
    fail[i] = k;
  }
  for (let i = 0, k = 0; i < text.length; i++) {
    while (k > 0 && text[i] !== pattern[k]) k = fail[k - 1]!;
    if (text[i] === pattern[k]) k += 1;
    if (k === pattern.length) return true;
  }
  return false;
}

/**
 * Go's arraySetSubset, quirks included: it counts the array's elements that
 * are in the set (duplicates count again) and answers true once the count
 * reaches the set's size, so an empty set is a subset of any non-empty array
 * but not of [].
 */
function arraySetSubset(superArray: RegoValue[], subSet: RegoValue[]): boolean {
  const keys = new Set(subSet.map(key));
  let unmatched = subSet.length;
  for (const x of superArray) {
    if (keys.has(key(x))) unmatched -= 1;
    if (unmatched === 0) return true;
  }
  return false;
}

function objectSubset(superObject: Array<[RegoValue, RegoValue]>, subObject: Array<[RegoValue, RegoValue]>): boolean {
  const byKey = new Map(superObject.map(([k, v]) => [key(k), v]));
  return subObject.every(([k, subValue]) => {
    const superValue = byKey.get(key(k));
    if (superValue === undefined) return false;
    if (key(superValue) === key(subValue)) return true;
    return nestedSubset(superValue, subValue) ?? false;
  });
}

/** The subset relation for two values of kinds object.subset compares, else undefined. */
function nestedSubset(superValue: RegoValue, subValue: RegoValue): boolean | undefined {
  if (superValue.kind === "object" && subValue.kind === "object") return objectSubset(superValue.entries, subValue.entries);
  if (superValue.kind === "set" && subValue.kind === "set") return setSubset(superValue.items, subValue.items);
  if (superValue.kind === "array" && subValue.kind === "array") return arraySubset(superValue.items, subValue.items);
  return undefined;
}

export const objectSubsetBuiltin = Object.assign(
  (superText: string, subText: string): boolean => {
    const superValue = parseRegoText(superText);
    const subValue = parseRegoText(subText);
    const nested = nestedSubset(superValue, subValue);
    if (nested !== undefined) return nested;
    if (superValue.kind === "array" && subValue.kind === "set") return arraySetSubset(superValue.items, subValue.items);
    throw new TypeError("object.subset: both arguments must be of the same type or array and set");
  },
  { readsRegoText: true as const },
);
