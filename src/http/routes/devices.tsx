import type { Context, Hono } from "hono";
import * as v from "valibot";
import type { Deps } from "../../deps";
import { AppError } from "../../domain/errors";
import { listDevices, listDomains, releaseDevice, releaseDomain } from "../../services/devices";
import { listItems } from "../../services/items";
import { findHandshakeCode } from "../../services/handshake-codes";
import { DevicesPage, DevicesTable, type DevicesPageProps } from "../../../templates/pages/devices/devices-page";
import type { AppEnv } from "../env";
import { pageOrFragment } from "../render";

const Scope = v.object({
  item: v.optional(v.pipe(v.string(), v.regex(/^[0-9]{1,12}$/), v.transform(Number))),
  code: v.optional(v.pipe(v.string(), v.maxLength(100))),
});

/**
 *   GET  /devices?item=ROW | ?code=CODE     the devices of an item, or of a handshake code
 *   POST /devices/release?…&itemRowId=&device=   release a seat (DESIGN.md, "Devices")
 *   POST /devices/release-domain?…&itemRowId=&domain=   release a domain item's domain
 */
export function registerDeviceRoutes(app: Hono<AppEnv>, deps: Deps) {
  const view = (c: Context<AppEnv>): DevicesPageProps => {
    const { ctx } = c.var;
    const scope = v.safeParse(Scope, c.req.query());
    if (scope.success && scope.output.code) {
      const code = findHandshakeCode(ctx, scope.output.code);
      if (code) {
        const of = { codeId: code.id };
        return { subject: `handshake code ${code.code}`, scope: { code: code.code }, devices: listDevices(ctx, of), domains: listDomains(ctx, of) };
      }
    }
    if (scope.success && scope.output.item !== undefined) {
      const item = listItems(ctx, { now: ctx.clock.now(), showExpired: true, showRevoked: true }).find((i) => i.rowId === scope.output.item);
      if (item) {
        const of = { itemRowId: item.rowId };
        return { subject: `item ${item.itemId}`, scope: { item: item.rowId }, devices: listDevices(ctx, of), domains: listDomains(ctx, of) };
      }
    }
    throw new AppError("NOT_FOUND", "There is no such item or handshake code. Open the devices from License Items or Configurations.");
  };

  app.get("/devices", (c) => {
    const props = view(c);
    return pageOrFragment(c, deps, { page: <DevicesPage {...props} />, fragment: <DevicesTable {...props} /> });
  });

  app.post("/devices/release", (c) => {
    releaseDevice(c.var.ctx, { itemRowId: Number(c.req.query("itemRowId")), deviceUuid: c.req.query("device") ?? "" });
    const props = view(c);
    return pageOrFragment(c, deps, { page: <DevicesPage {...props} />, fragment: <DevicesTable {...props} /> });
  });

  app.post("/devices/release-domain", (c) => {
    releaseDomain(c.var.ctx, { itemRowId: Number(c.req.query("itemRowId")), domain: c.req.query("domain") ?? "" });
    const props = view(c);
    return pageOrFragment(c, deps, { page: <DevicesPage {...props} />, fragment: <DevicesTable {...props} /> });
  });
}
