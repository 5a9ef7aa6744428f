import type { Hono } from "hono";
import type { Deps } from "../../deps";
import { listAlertHistory } from "../../services/alerts";
import { AlertHistoryPage } from "../../../templates/pages/alert-history-page";
import type { AppEnv } from "../env";
import { render } from "../render";

/**   GET /alert-history?page=N   the alert emails: sent, queued (and why), failed */
export function registerAlertHistoryRoutes(app: Hono<AppEnv>, deps: Deps) {
  app.get("/alert-history", (c) => render(c, deps, <AlertHistoryPage {...listAlertHistory(c.var.ctx, { page: Number(c.req.query("page") ?? "1") })} />));
}
