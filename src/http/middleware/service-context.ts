import type { MiddlewareHandler } from "hono";
import type { Deps } from "../../deps";
import type { ServiceContext } from "../../services/context";
import type { AppEnv } from "../env";

/**
 * Puts the request's ServiceContext on `c.var.ctx` for the handlers after it: the admin when
 * logged in, else anonymous, from the request's address. Runs after the session is known. The
 * rest is the same for every request and built once.
 */
export function serviceContext(deps: Deps): MiddlewareHandler<AppEnv> {
  const shared: Omit<ServiceContext, "actor"> = {
    db: deps.db,
    clock: deps.clock,
    logger: deps.logger,
    hasher: deps.hasher,
    throttle: deps.throttle,
    instanceKey: deps.instanceKey,
    origin: { tls: deps.settings.tls, port: deps.settings.port, basePath: deps.settings.basePath, hostAddress: deps.hostAddress },
    trustedIssuers: deps.trustedIssuers,
    machine: deps.machine,
    mailerFor: deps.mailerFor,
  };
  return async (c, next) => {
    c.set("ctx", { ...shared, actor: { kind: c.var.session ? "admin" : "anonymous", ip: c.var.ip } });
    await next();
  };
}
