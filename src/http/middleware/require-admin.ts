import type { MiddlewareHandler } from "hono";
import type { Deps } from "../../deps";
import { isPasswordSet } from "../../services/admin";
import type { AppEnv } from "../env";
import { portalPath, redirect } from "../render";

/** Paths anyone may reach; each of these routes decides for itself what it shows. */
const PUBLIC_PATHS = [/^\/healthz$/, /^\/static\//, /^\/setup$/, /^\/login$/];

/**
 * Deny by default: every other path needs a logged-in admin. Before the first password exists
 * everything leads to the setup page; without a session, to the login page (htmx: HX-Redirect).
 */
export function requireAdmin(deps: Deps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const path = portalPath(c, deps);
    if (PUBLIC_PATHS.some((p) => p.test(path))) return next();
    if (!isPasswordSet(deps.db)) return redirect(c, deps, "/setup");
    if (!c.var.session) {
      const next = c.req.method === "GET" && path !== "/" ? `?next=${encodeURIComponent(path)}` : "";
      return redirect(c, deps, `/login${next}`);
    }
    return next();
  };
}

/** A `next` parameter is followed only when it is a plain portal path (no open redirect). */
export function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])[A-Za-z0-9/_.-]*$/.test(next) ? next : "/";
}
