import type { Context } from "hono";
import type { Child } from "hono/jsx";
import type { Deps } from "../deps";
import { VERSION } from "../lib/version";
import { View, type ViewContext } from "../../templates/view-context";
import type { AppEnv } from "./env";
import { hxRedirect, isHistoryRestore, isHtmx, varyOnHtmx } from "./htmx";

export { isHtmx };

export type HtmlStatus = 200 | 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 | 500 | 503;

/** Renders a view with its ViewContext; every HTML answer goes through here. */
export async function render(c: Context<AppEnv>, deps: Deps, node: Child, status: HtmlStatus = 200): Promise<Response> {
  varyOnHtmx(c);
  return c.html(<View.Provider value={viewContext(c, deps)}>{node}</View.Provider>, status);
}

/** The whole page for a normal request, the fragment alone for htmx. */
export function pageOrFragment(c: Context<AppEnv>, deps: Deps, views: { page: Child; fragment: Child }, status?: HtmlStatus): Promise<Response> {
  return render(c, deps, isHtmx(c) && !isHistoryRestore(c) ? views.fragment : views.page, status);
}

/** Sends the browser to a portal path: HX-Redirect for htmx, 303 otherwise. */
export function redirect(c: Context<AppEnv>, deps: Deps, path: string): Response {
  const location = deps.settings.basePath + path;
  return isHtmx(c) ? hxRedirect(c, location) : c.redirect(location, 303);
}

/** The portal path of this request, without the base path. */
export function portalPath(c: Context<AppEnv>, deps: Deps): string {
  return c.req.path.slice(deps.settings.basePath.length) || "/";
}

function viewContext(c: Context<AppEnv>, deps: Deps): ViewContext {
  const base = deps.settings.basePath;
  const assets = Object.fromEntries(Object.entries(deps.assets.urls).map(([name, url]) => [name, base + url]));
  return {
    base,
    csrfToken: c.var.session?.csrfToken ?? deps.anonymousCsrfToken,
    version: VERSION,
    assets,
    currentPath: portalPath(c, deps) === "/index" ? "/" : portalPath(c, deps),
    loggedIn: !!c.var.session,
    plainHttp: !isSecureTransport(c, deps),
    machine: deps.machine.status(),
  };
}

/** True when the browser reached us over HTTPS, or on localhost (which browsers treat as secure). */
function isSecureTransport(c: Context<AppEnv>, deps: Deps): boolean {
  if (c.var.https) return true;
  const host = (c.req.header("host") ?? "").replace(/:\d+$/, "").toLowerCase();
  return host === "localhost" || host === "127.0.0.1" || host === "[::1]";
}
