import type { FailedAttempt } from "./transport";

export type LtsClientErrorKind =
  /** The options given to `new LtsClient()` or to a method do not fit. */
  | "invalid-options"
  /** No server could be reached (or none gave a usable answer) and there is no valid cached grant. */
  | "unreachable"
  /** The local clock is more than 24 h behind the latest time seen and no server could confirm a grant. */
  | "clock-rolled-back"
  /** `count()` before any grant: there is no license item to count against. */
  | "not-authorized"
  /** The client was closed. */
  | "closed";

/**
 * The client cannot answer (STYLE.md: expected "no" answers are values, failures are errors).
 * A server's refusal is not an error: it is an {@link LtsRefusal} result.
 */
export class LtsClientError extends Error {
  constructor(
    readonly kind: LtsClientErrorKind,
    message: string,
    /** The servers tried and why each failed (for `unreachable` and `clock-rolled-back`). */
    readonly failures: readonly FailedAttempt[] = [],
  ) {
    super(message);
    this.name = "LtsClientError";
  }
}
