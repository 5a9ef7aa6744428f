import type { Hono } from "hono";
import * as v from "valibot";
import type { Deps } from "../../deps";
import { AppError } from "../../domain/errors";
import { ITEM_SORT_KEYS } from "../../domain/license-item";
import { IMPORT_KINDS } from "../../domain/license-import";
import { listItems } from "../../services/items";
import { LicenseItemsPage } from "../../../templates/pages/license-items-page";
import { ItemDetails, ItemDetailsRow, ItemsTable, type ItemsQuery } from "../../../templates/partials/items-table";
import type { AppEnv } from "../env";
import { pageOrFragment, render } from "../render";

const ItemsQuerySchema = v.object({
  sort: v.optional(v.picklist(ITEM_SORT_KEYS), "expiresAt"),
  dir: v.optional(v.picklist(["asc", "desc"]), "asc"),
  expired: v.optional(v.string()),
  revoked: v.optional(v.string()),
  // After an import: which license, what happened, and the code its new items went to.
  imported: v.optional(v.pipe(v.string(), v.regex(/^[0-9]{1,40}$/))),
  kind: v.optional(v.picklist(IMPORT_KINDS)),
  code: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9]{1,32}-[A-Za-z0-9_-]{1,64}$/))),
});

/**
 *   GET /license-items            the items table (htmx: the table alone, for sorting and filters)
 *   GET /license-items/:rowId     one item's details row (?collapse=1: the empty row again)
 */
export function registerLicenseItemRoutes(app: Hono<AppEnv>, deps: Deps) {
  app.get("/license-items", (c) => {
    const parsed = v.safeParse(ItemsQuerySchema, c.req.query());
    const q = parsed.success ? parsed.output : v.parse(ItemsQuerySchema, {});
    const query: ItemsQuery = { sort: q.sort, descending: q.dir === "desc", showExpired: q.expired === "1", showRevoked: q.revoked === "1" };
    const { ctx } = c.var;
    const now = ctx.clock.now();
    const items = listItems(ctx, { now, sort: query.sort, descending: query.descending, showExpired: query.showExpired, showRevoked: query.showRevoked });
    const hiddenCount = listItems(ctx, { now, showExpired: true, showRevoked: true }).length - items.length;
    const imported = q.imported && q.kind ? { licenseId: q.imported, kind: q.kind, code: q.code } : undefined;
    return pageOrFragment(c, deps, {
      page: <LicenseItemsPage items={items} query={query} hiddenCount={hiddenCount} imported={imported} />,
      fragment: <ItemsTable items={items} query={query} hiddenCount={hiddenCount} />,
    });
  });

  app.get("/license-items/:rowId{[0-9]+}", (c) => {
    const rowId = Number(c.req.param("rowId"));
    if (c.req.query("collapse")) return render(c, deps, <ItemDetailsRow rowId={rowId} />);
    const item = listItems(c.var.ctx, { now: c.var.ctx.clock.now(), showExpired: true, showRevoked: true }).find((i) => i.rowId === rowId);
    if (!item) throw new AppError("NOT_FOUND", "There is no such license item. Reload the page.");
    return render(c, deps, <ItemDetails item={item} />);
  });
}
