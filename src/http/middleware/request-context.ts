import type { MiddlewareHandler } from "hono";
import { forwardedClient, type TrustedProxies } from "../../domain/trusted-proxies";
import { randomToken } from "../../lib/ids";
import type { Logger } from "../../lib/logger";
import type { AppEnv } from "../env";

/**
 * Gives every request an id (answered as X-Request-Id, shown on error pages, in every log line)
 * and its client address, then writes one access-log line. Never logs bodies or query strings.
 * It alone decides whether the peer is a trusted proxy: only then do the forwarded headers count
 * (`c.var.forwarded`), for the client address, the scheme and the host.
 */
export function requestContext(logger: Logger, options: { trustProxy: TrustedProxies; tls: boolean }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const requestId = randomToken(9);
    c.set("requestId", requestId);
    const peer = c.env?.requestIP?.(c.req.raw)?.address ?? null;
    const forwarded = options.trustProxy.includes(peer) ? { proto: firstValue(c.req.header("x-forwarded-proto")), host: firstValue(c.req.header("x-forwarded-host")) } : null;
    c.set("ip", forwarded ? forwardedClient(options.trustProxy, peer, c.req.header("x-forwarded-for")) : peer);
    c.set("forwarded", forwarded);
    c.set("https", options.tls || forwarded?.proto?.toLowerCase() === "https");
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

/** The first of a list-valued header: the value the proxy nearest the browser set. */
function firstValue(header: string | undefined): string | null {
  return header?.split(",")[0]?.trim() || null;
}
