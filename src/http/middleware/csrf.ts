import type { MiddlewareHandler } from "hono";
import { AppError } from "../../domain/errors";
import { constantTimeEqual } from "../../lib/ids";
import type { AppEnv } from "../env";
import { parseFormBody } from "../forms";
import { isHtmx } from "../htmx";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * CSRF defence for every state-changing portal request, whatever its content type (JSON and
 * text/plain included): the request must come from this portal's own origin (Origin, else
 * Referer, must name exactly this host and port, or a trusted proxy's X-Forwarded-Host;
 * Sec-Fetch-Site is not sent over plain HTTP to a LAN address, so it cannot be relied on), and it
 * must carry either htmx's `HX-Request` header (a cross-site form cannot set headers) or the
 * form's `_csrf` token. A refusal is 403.
 */
export function csrfProtection(options: { anonymousToken: string }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const ownHost = c.var.forwarded?.host || c.req.header("host") || new URL(c.req.url).host;
    const source = c.req.header("origin") || c.req.header("referer");
    if (!source || hostOf(source) !== ownHost.toLowerCase()) {
      throw new AppError("FORBIDDEN", "This request did not come from the portal's own pages, so it was refused. Reload the page and try again.");
    }
    if (isHtmx(c)) return next();
    const expected = c.var.session?.csrfToken ?? options.anonymousToken;
    const type = c.req.header("content-type") ?? "";
    const given = /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type) ? (await parseFormBody(c))["_csrf"] : undefined;
    if (typeof given !== "string" || !constantTimeEqual(given, expected)) {
      throw new AppError("FORBIDDEN", "The form's security token is missing or out of date. Reload the page and try again.");
    }
    return next();
  };
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return null;
  }
}
