import type { Hono } from "hono";
import type { Deps } from "../../deps";
import { VERSION } from "../../lib/version";
import { getReadiness } from "../../services/status/get-server-status";
import type { AppEnv } from "../env";

/**
 *   GET /healthz   200 when ready for clients, 503 otherwise (PROTOCOL.md)
 *
 * `clock` says whether the system clock is rolled back (more than 5 minutes behind `latestSeen`,
 * the latest time the server has seen). A rolled-back clock keeps the status 200: the server still
 * answers correctly (dates are checked against the latest time seen), and a 503 would only make a
 * load balancer or service manager take it out of service, which does not set the clock right.
 * Monitoring should alert on `clock: "rolled-back"`.
 */
export function registerHealthRoutes(app: Hono<AppEnv>, deps: Deps) {
  app.get("/healthz", (c) => {
    const r = getReadiness(deps.db, deps.machine.status());
    const clock = deps.trustedClock?.status() ?? { state: "ok", latestSeen: deps.clock.now() };
    return c.json(
      { status: r.ready ? "ok" : "not-ready", reason: r.reason, version: VERSION, uuidMatches: r.uuidMatches, clock: clock.state, latestSeen: clock.latestSeen.toISOString() },
      r.ready ? 200 : 503,
    );
  });
}
