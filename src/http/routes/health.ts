import type { Hono } from "hono";
import type { Deps } from "../../deps";
import { VERSION } from "../../lib/version";
import { getReadiness } from "../../services/status/get-server-status";
import type { AppEnv } from "../env";

/**   GET /healthz   200 when ready for clients, 503 otherwise (PROTOCOL.md) */
export function registerHealthRoutes(app: Hono<AppEnv>, deps: Deps) {
  app.get("/healthz", (c) => {
    const r = getReadiness(deps.db, deps.machine.status());
    return c.json({ status: r.ready ? "ok" : "not-ready", reason: r.reason, version: VERSION, uuidMatches: r.uuidMatches }, r.ready ? 200 : 503);
  });
}
