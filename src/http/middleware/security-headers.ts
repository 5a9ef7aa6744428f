import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";

/**
 * A strict CSP (no inline script or style, nothing from elsewhere) and the other hardening
 * headers, on every response. HSTS only over HTTPS: this server's own TLS, or a trusted proxy's.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join("; ");

export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    h.set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    h.set("X-Content-Type-Options", "nosniff");
    h.set("X-Frame-Options", "DENY");
    h.set("Referrer-Policy", "same-origin");
    h.set("Cross-Origin-Opener-Policy", "same-origin");
    h.set("Cross-Origin-Resource-Policy", "same-origin");
    h.set("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    if (c.var.https) h.set("Strict-Transport-Security", "max-age=31536000");
    if (!h.has("Cache-Control")) h.set("Cache-Control", "no-store");
  };
}
