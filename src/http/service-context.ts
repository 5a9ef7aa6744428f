import type { Context } from "hono";
import type { Deps } from "../deps";
import type { ServiceContext } from "../services/context";
import type { AppEnv } from "./env";

/** The context a service verb runs in for this request: the admin if logged in, else anonymous. */
export function serviceContext(c: Context<AppEnv>, deps: Deps): ServiceContext {
  return {
    db: deps.db,
    clock: deps.clock,
    hasher: deps.hasher,
    throttle: deps.throttle,
    actor: { kind: c.var.session ? "admin" : "anonymous", ip: c.var.ip },
  };
}
