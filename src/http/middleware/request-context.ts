import type { MiddlewareHandler } from "hono";
import { randomToken } from "../../lib/ids";
import type { Logger } from "../../lib/logger";
import type { AppEnv } from "../env";

/**
 * Gives every request an id (answered as X-Request-Id, shown on error pages, in every log line)
 * and its client address, then writes one access-log line. Never logs bodies or query strings.
 */
export function requestContext(logger: Logger, trustProxy: boolean): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const requestId = randomToken(9);
    c.set("requestId", requestId);
    c.set("ip", clientIp(c.req.raw, c.env, trustProxy));
    await next();
    c.res.headers.set("X-Request-Id", requestId);
    // The client API can answer thousands of requests a second: its successes are debug lines.
    const level = c.res.status === 500 ? "error" : c.req.path.includes("/api/v1/") && c.res.status < 400 ? "debug" : "info";
    logger[level]("request", {
      requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
      ip: c.var.ip,
    });
  };
}

function clientIp(request: Request, server: AppEnv["Bindings"] | undefined, trustProxy: boolean): string | null {
  if (trustProxy) {
    // The proxy appends the address it saw; earlier entries are the client's own claims.
    const forwarded = request.headers.get("x-forwarded-for")?.split(",").at(-1)?.trim();
    if (forwarded) return forwarded;
  }
  return server?.requestIP?.(request)?.address ?? null;
}
