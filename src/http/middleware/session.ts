import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Deps, PortalSettings } from "../../deps";
import { LOGIN_DEVICE_MAX_AGE_SECONDS } from "../../services/admin";
import { resolveSession } from "../../services/sessions";
import type { AppEnv } from "../env";

/**
 * The session cookie: HttpOnly, SameSite=Strict, scoped to the base path. Over HTTPS (our own TLS
 * or a trusted proxy's) it is Secure; with our own TLS at the root also `__Host-` prefixed. Over plain HTTP on a LAN address a Secure cookie would be
 * dropped by the browser, so it is sent without (and the portal shows a banner saying so).
 */
export function sessionCookieName(settings: PortalSettings): string {
  return settings.tls && settings.basePath === "" ? "__Host-lts_session" : "lts_session";
}

export function setSessionCookie(c: Context<AppEnv>, settings: PortalSettings, token: string): void {
  setCookie(c, sessionCookieName(settings), token, {
    httpOnly: true,
    sameSite: "Strict",
    secure: c.var.https,
    path: settings.basePath || "/",
  });
}

export function clearSessionCookie(c: Context<AppEnv>, settings: PortalSettings): void {
  deleteCookie(c, sessionCookieName(settings), { path: settings.basePath || "/", secure: c.var.https });
}

/** The login-device cookie (services/admin/login-device.ts): named and scoped like the session's. */
function loginDeviceCookieName(settings: PortalSettings): string {
  return settings.tls && settings.basePath === "" ? "__Host-lts_device" : "lts_device";
}

export function loginDeviceCookie(c: Context<AppEnv>, settings: PortalSettings): string | undefined {
  return getCookie(c, loginDeviceCookieName(settings));
}

export function setLoginDeviceCookie(c: Context<AppEnv>, settings: PortalSettings, value: string): void {
  setCookie(c, loginDeviceCookieName(settings), value, {
    httpOnly: true,
    sameSite: "Strict",
    secure: c.var.https,
    path: settings.basePath || "/",
    maxAge: LOGIN_DEVICE_MAX_AGE_SECONDS,
  });
}

/** Puts the live session named by the cookie (or null) on the context. */
export function loadSession(deps: Deps): MiddlewareHandler<AppEnv> {
  const name = sessionCookieName(deps.settings);
  return async (c, next) => {
    const token = getCookie(c, name);
    const session = token ? resolveSession(deps.db, { token, now: deps.clock.now(), policy: deps.settings.sessionPolicy }) : null;
    c.set("session", session);
    await next();
  };
}
