import type { Context, Hono } from "hono";
import type { Deps } from "../../deps";
import { VERSION } from "../../lib/version";
import { lastMailError } from "../../services/alerts";
import { listAuditEvents } from "../../services/audit";
import { summarizeUsage } from "../../services/dashboard";
import { summarizeItems } from "../../services/items";
import { getServerStatus } from "../../services/status/get-server-status";
import { HomePage } from "../../../templates/pages/home-page";
import type { AppEnv } from "../env";
import { render } from "../render";

/**   GET /   and   GET /index   the server's status and recent activity */
export function registerHomeRoutes(app: Hono<AppEnv>, deps: Deps) {
  const home = (c: Context<AppEnv>) => {
    const { settings } = deps;
    const { ctx } = c.var;
    const status = getServerStatus(ctx, {
      version: VERSION,
      startedAt: deps.startedAt,
      listening: settings.listening,
      dataDir: settings.dataDir,
      sessionPolicy: settings.sessionPolicy,
    });
    const summary = summarizeItems(ctx);
    const usage = summarizeUsage(ctx);
    return render(c, deps, <HomePage summary={summary} status={status} recentEvents={listAuditEvents(ctx, { limit: 10 })} usage={usage} mailError={lastMailError(ctx)} clock={deps.trustedClock?.status()} />);
  };
  app.get("/", home);
  app.get("/index", home);
}
