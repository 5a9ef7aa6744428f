import type { Context } from "hono";
import { AppError, type AppErrorCode } from "../domain/errors";
import { storageFailure } from "../lib/storage-failure";
import type { Deps } from "../deps";
import { ErrorMessage, ErrorPage, type ErrorProps } from "../../templates/pages/error-page";
import { FLASH_ID } from "../../templates/targets";
import type { AppEnv } from "./env";
import { hxRetarget, isHtmx } from "./htmx";
import { render, type HtmlStatus } from "./render";

/** The one table from error code to HTTP status. */
export const STATUS_BY_CODE: Record<AppErrorCode, HtmlStatus> = {
  VALIDATION: 422,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  PAYLOAD_TOO_LARGE: 413,
  INTERNAL: 500,
};

const TITLES: Record<number, string> = {
  400: "Bad request",
  401: "Please log in",
  403: "Not allowed",
  404: "Page not found",
  409: "Conflict",
  413: "Too large",
  422: "Please check your input",
  429: "Too many attempts",
  500: "Something went wrong",
  503: "Not saved",
};

/** What the admin reads when the storage refused a write (the log says more; see storageFailure). */
const STORAGE_MESSAGES = {
  "disk-full": "Nothing was saved: the disk that holds the data dir is full. Free space on it and try again; LTS goes on without a restart.",
  "io-error": "Nothing was saved: the disk that holds the data dir reported an I/O error. Check the disk (the server log names the error), then try again.",
} as const;

/**
 * The only place errors become responses. An AppError shows its message; a write the storage
 * refused (disk full, I/O error) is a 503 that says so; anything else is a 500 whose cause goes to the log with the request id and never to the page. htmx requests get the
 * message in the flash region of the page they came from; JSON endpoints get JSON.
 */
export function errorHandler(deps: Deps) {
  return (err: Error, c: Context<AppEnv>): Promise<Response> | Response => {
    const appError = err instanceof AppError ? err : null;
    const storage = appError ? null : storageFailure(err);
    const status = appError ? STATUS_BY_CODE[appError.code] : storage ? 503 : 500;
    if (!appError) deps.logger.error(storage?.log ?? "unhandled error", { requestId: c.var.requestId, path: c.req.path, error: err });
    if (storage) c.header("Retry-After", "60");
    if (appError?.details.retryAfterSeconds) c.header("Retry-After", String(appError.details.retryAfterSeconds));
    const props: ErrorProps = {
      status,
      title: TITLES[status] ?? "Error",
      message: appError?.message ?? (storage ? STORAGE_MESSAGES[storage.kind] : null) ?? "The server could not complete this request. It has been logged; if it happens again, tell your administrator the request id below.",
      requestId: c.var.requestId,
    };
    return errorResponse(c, deps, props);
  };
}

export function notFoundHandler(deps: Deps) {
  return (c: Context<AppEnv>): Promise<Response> | Response =>
    errorResponse(c, deps, { status: 404, title: TITLES[404]!, message: "There is no page at this address. Use the menu to find your way.", requestId: c.var.requestId });
}

function errorResponse(c: Context<AppEnv>, deps: Deps, props: ErrorProps): Promise<Response> | Response {
  const status = props.status as HtmlStatus;
  if (wantsJson(c)) return c.json({ ok: false, error: { status, message: props.message, requestId: props.requestId } }, status);
  if (isHtmx(c)) {
    hxRetarget(c, `#${FLASH_ID}`, "innerHTML");
    return render(c, deps, <ErrorMessage {...props} />, status);
  }
  return render(c, deps, <ErrorPage {...props} />, status);
}

function wantsJson(c: Context<AppEnv>): boolean {
  return (c.req.header("accept") ?? "").includes("application/json") && !(c.req.header("accept") ?? "").includes("text/html");
}
