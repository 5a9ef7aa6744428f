import type { Context } from "hono";
import type { Deps } from "../deps";
import type { ServiceContext } from "../services/context";
import type { LicenseKeyContext } from "../services/handshake-codes/context";
import type { ServerOrigin } from "../services/settings";
import type { AppEnv } from "./env";

/** Where license keys point by default: this server as clients reach it. */
export function serverOrigin(deps: Deps): ServerOrigin {
  return { tls: deps.settings.tls, port: deps.settings.port, basePath: deps.settings.basePath, hostAddress: deps.hostAddress };
}

/** The context of the verbs that build license keys (they read the server URLs and the instance key). */
export function licenseKeyContext(deps: Deps): LicenseKeyContext {
  return { db: deps.db, clock: deps.clock, instanceKey: deps.instanceKey, origin: serverOrigin(deps) };
}

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
