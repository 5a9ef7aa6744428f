import type { Context, Hono } from "hono";
import type { Deps } from "../../deps";
import { AppError } from "../../domain/errors";
import { isoDay } from "../../domain/statistics";
import { readStatistics, statisticsCards, statisticsCsv, statisticsQuery, statisticsSubject, type StatsSubject } from "../../services/statistics";
import { StatisticsPage, StatsDetails, type StatisticsPageProps } from "../../../templates/pages/statistics/statistics-page";
import type { AppEnv } from "../env";
import { isHtmx, pageOrFragment } from "../render";

/**
 *   GET /statistics/code/:code        a handshake code's statistics (only its own usage)
 *   GET /statistics/item/:rowId       an item's statistics (every code's usage)
 *   GET …/csv?<same query>            what the page shows, as CSV
 * The query string holds the view: range (7d, 30d, 90d, all, custom + from/to), metric, mode,
 * day, group, page, and after/before for a day's devices (src/domain/statistics.ts).
 */
export function registerStatisticsRoutes(app: Hono<AppEnv>, deps: Deps) {
  const subjectOf = (c: Context<AppEnv>): { subject: StatsSubject; path: string } => {
    const code = c.req.param("code");
    if (code !== undefined) return { subject: statisticsSubject(c.var.ctx, { code }), path: `/statistics/code/${encodeURIComponent(code)}` };
    const rowId = c.req.param("rowId") ?? "";
    if (!/^[0-9]{1,12}$/.test(rowId)) throw new AppError("NOT_FOUND", "There is no such license item. Open its statistics from License Items.");
    return { subject: statisticsSubject(c.var.ctx, { item: Number(rowId) }), path: `/statistics/item/${rowId}` };
  };
  const view = (c: Context<AppEnv>, cards = true): StatisticsPageProps => {
    const { subject, path } = subjectOf(c);
    const query = statisticsQuery(c.var.ctx, subject, c.req.query());
    const data = readStatistics(c.var.ctx, subject, query, { slotDays: deps.settings.usageSlotDays });
    const title = subject.kind === "code" ? `Statistics of handshake code ${subject.code}` : `Statistics of item ${subject.itemId}`;
    return { title, kind: subject.kind, path, items: cards ? statisticsCards(c.var.ctx, subject) : [], metrics: subject.metrics, query, data, updatedAt: c.var.ctx.clock.now() };
  };

  const page = (c: Context<AppEnv>) => {
    const props = view(c, !isHtmx(c));
    return pageOrFragment(c, deps, { page: <StatisticsPage {...props} />, fragment: <StatsDetails {...props} /> });
  };
  const csv = (c: Context<AppEnv>) => {
    const props = view(c, false);
    const name = `${props.kind}-${props.path.split("/").pop()}-${props.query.metric}-${isoDay(props.data.days[0] ?? props.query.to)}-${isoDay(props.query.to)}.csv`;
    return c.body(statisticsCsv(props.query, props.data), 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, "_")}"`,
    });
  };
  app.get("/statistics/code/:code", page);
  app.get("/statistics/code/:code/csv", csv);
  app.get("/statistics/item/:rowId", page);
  app.get("/statistics/item/:rowId/csv", csv);
}
