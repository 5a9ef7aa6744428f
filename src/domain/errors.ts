/**
 * The failures the application reports to its users. Expected "no" answers of a check are values,
 * not errors; an AppError means the request cannot be carried out as asked.
 * src/http/errors.ts is the one place that maps a code to an HTTP status.
 */
export const APP_ERROR_CODES = [
  "VALIDATION", // input does not fit: say which field and what to do
  "BAD_REQUEST", // the request itself is malformed (e.g. a broken form body)
  "UNAUTHENTICATED", // no valid portal session
  "FORBIDDEN", // e.g. a CSRF check failed, wrong current password
  "NOT_FOUND",
  "CONFLICT", // e.g. setup already done by someone else
  "RATE_LIMITED", // retryAfterSeconds says when to come back
  "PAYLOAD_TOO_LARGE",
  "INTERNAL",
] as const;
export type AppErrorCode = (typeof APP_ERROR_CODES)[number];

export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly details: { fields?: Record<string, string>; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const validationError = (fields: Record<string, string>, message = "Please correct the fields marked below.") =>
  new AppError("VALIDATION", message, { fields });
