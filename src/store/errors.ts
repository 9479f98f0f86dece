import { ToolgateError } from "../errors.ts";

/** A store (approvals, budgets) could not be opened or answered: callers treat it as a deny, never an allow. */
export class StoreError extends ToolgateError {
  constructor(code: "store_unavailable" | "store_location_invalid" | "store_failed", message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
