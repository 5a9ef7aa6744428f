import type { Context } from "hono";
import type { Child } from "hono/jsx";
import { AppError } from "../domain/errors";
import type { Deps } from "../deps";
import type { AppEnv } from "./env";
import { STATUS_BY_CODE } from "./errors";
import { pageOrFragment } from "./render";

export interface FormFailure {
  errors: Record<string, string>;
  message: string;
}

/**
 * The posted form body, parsed once (Hono keeps it for later calls). A body that does not parse
 * as its content type says (a broken multipart body, say) is BAD_REQUEST, not a server error.
 */
export async function parseFormBody(c: Context<AppEnv>, options: { all?: boolean } = {}): Promise<Record<string, string | File | (string | File)[]>> {
  try {
    return await c.req.parseBody({ all: options.all ?? false });
  } catch {
    throw new AppError("BAD_REQUEST", "The form could not be read: its body does not match its content type. Reload the page and send the form again.");
  }
}

/** The string fields of a posted form (files and the CSRF token left out). */
export async function readForm(c: Context<AppEnv>): Promise<Record<string, string>> {
  const body = await parseFormBody(c);
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) if (typeof value === "string" && key !== "_csrf") fields[key] = value;
  return fields;
}

const FORM_ERRORS = new Set(["VALIDATION", "RATE_LIMITED", "CONFLICT"]);

/**
 * Runs a form's action. When the verb refuses the input (VALIDATION, RATE_LIMITED, CONFLICT) the
 * same form is shown again with the messages, as a fragment for htmx or the whole page, with the
 * error's status (422, 429 + Retry-After, 409). Other errors go on to the error handler.
 */
export async function submitForm(
  c: Context<AppEnv>,
  deps: Deps,
  run: () => Promise<Response> | Response,
  views: { page: (f: FormFailure) => Child; fragment: (f: FormFailure) => Child },
): Promise<Response> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof AppError) || !FORM_ERRORS.has(err.code)) throw err;
    if (err.details.retryAfterSeconds) c.header("Retry-After", String(err.details.retryAfterSeconds));
    const failure: FormFailure = { errors: err.details.fields ?? {}, message: err.message };
    return pageOrFragment(c, deps, { page: views.page(failure), fragment: views.fragment(failure) }, STATUS_BY_CODE[err.code]);
  }
}
