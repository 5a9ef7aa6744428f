import type { Context, Hono } from "hono";
import * as v from "valibot";
import type { Deps } from "../../deps";
import { DEVICE_LISTS, DEVICE_SEARCH_FIELDS, DEVICE_SORTS, PAGE_SIZE, cursorKinds, decodeCursor, effectiveOrder, type Cursor, type DeviceListQuery } from "../../domain/device-list";
import { AppError } from "../../domain/errors";
import { domainItems, listDevices, listDomains, readRowsPerPage, releaseDevice, releaseDomain, setRowsPerPage, type DeviceScope } from "../../services/devices";
import { listItems } from "../../services/items";
import { findHandshakeCode } from "../../services/handshake-codes";
import { DevicesPage, DevicesTable, listState, type DevicesPageProps } from "../../../templates/pages/devices/devices-page";
import type { AppEnv } from "../env";
import { parseFormBody, readForm } from "../forms";
import { pageOrFragment, redirect } from "../render";

const Scope = v.object({
  item: v.optional(v.pipe(v.string(), v.regex(/^[0-9]{1,12}$/), v.transform(Number))),
  code: v.optional(v.pipe(v.string(), v.maxLength(100))),
});

const SIZE_HINT = `size must be a whole number from ${PAGE_SIZE.min} to ${PAGE_SIZE.max}`;
/** What a list URL may say besides its scope; a bad value is a 400 that names the parameter. */
const ListParams = v.object({
  list: v.optional(v.picklist(DEVICE_LISTS, `list must be one of ${DEVICE_LISTS.join(", ")}`)),
  q: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(128, "q (the search) may have at most 128 characters")), ""),
  field: v.optional(v.picklist(DEVICE_SEARCH_FIELDS, `field must be one of ${DEVICE_SEARCH_FIELDS.join(", ")}`), "id"),
  sort: v.optional(v.picklist(DEVICE_SORTS, `sort must be one of ${DEVICE_SORTS.join(", ")}`), "newest"),
  size: v.optional(v.pipe(v.string(), v.regex(/^[0-9]{1,4}$/, SIZE_HINT), v.transform(Number), v.minValue(PAGE_SIZE.min, SIZE_HINT), v.maxValue(PAGE_SIZE.max, SIZE_HINT))),
  after: v.optional(v.string()),
  before: v.optional(v.string()),
});

/**
 *   GET  /devices?item=ROW | ?code=CODE  [&list=devices|domains &q= &field=id|name &sort=newest|oldest|id
 *                                         &size=10..200 &after=|before=CURSOR]   one page of devices or domains
 *   POST /devices/release?…&itemRowId=&device=          release a seat (DESIGN.md, "Devices")
 *   POST /devices/release-domain?…&itemRowId=&domain=   release a domain item's domain
 *   POST /devices/rows-per-page?…   (size)               the admin-wide default page size
 */
export function registerDeviceRoutes(app: Hono<AppEnv>, deps: Deps) {
  const resolveScope = (c: Context<AppEnv>): { subject: string; scope: DevicesPageProps["scope"]; of: DeviceScope } => {
    const { ctx } = c.var;
    const scope = v.safeParse(Scope, c.req.query());
    if (scope.success && scope.output.code) {
      const code = findHandshakeCode(ctx, scope.output.code);
      if (code) return { subject: `handshake code ${code.code}`, scope: { code: code.code }, of: { codeId: code.id } };
    }
    if (scope.success && scope.output.item !== undefined) {
      const item = listItems(ctx, { now: ctx.clock.now(), showExpired: true, showRevoked: true }).find((i) => i.rowId === scope.output.item);
      if (item) return { subject: `item ${item.itemId}`, scope: { item: item.rowId }, of: { itemRowId: item.rowId } };
    }
    throw new AppError("NOT_FOUND", "There is no such item or handshake code. Open the devices from License Items or Configurations.");
  };

  /** The scope and list state a URL names (no rows read). */
  const listRequest = (c: Context<AppEnv>, posted: Record<string, string> = {}) => {
    const { ctx } = c.var;
    const { subject, scope, of } = resolveScope(c);
    const parsed = v.safeParse(ListParams, { ...c.req.query(), ...posted });
    if (!parsed.success) throw new AppError("BAD_REQUEST", `This list link is not valid: ${parsed.issues[0].message}. Open the devices from License Items or Configurations.`);
    const p = parsed.output;
    const hasDomains = domainItems(ctx, of).length > 0;
    const list = p.list ?? (hasDomains ? "domains" : "devices");
    if (list === "domains" && p.field === "name") throw new AppError("BAD_REQUEST", "Domains are searched by domain only: use field=id.");
    if (p.after !== undefined && p.before !== undefined) throw new AppError("BAD_REQUEST", "A page link names either after= or before=, not both. Open the first page of the list again.");
    const base = { list, q: p.q, field: p.field, sort: p.sort };
    const order = effectiveOrder(base);
    const kinds = cursorKinds(list === "domains" && order === "name" ? "id" : order);
    const cursor = (text: string | undefined): Cursor | undefined => {
      if (text === undefined) return undefined;
      const decoded = decodeCursor(text, kinds);
      if (!decoded) throw new AppError("BAD_REQUEST", "This page link is broken or belongs to another sort order. Open the first page of the list again.");
      return decoded;
    };
    const defaultSize = readRowsPerPage(ctx);
    const query: DeviceListQuery = { ...base, size: p.size ?? defaultSize, after: cursor(p.after), before: cursor(p.before) };
    return { subject, scope, of, hasDomains, query, sizeInUrl: p.size !== undefined, defaultSize };
  };

  /**
   * The list state of a request: the URL's, and for a release also what the button posted (its
   * table's hx-include), so the answer is the page it was on. Read before any change, so a bad
   * state is a 400 that changes nothing.
   */
  const readRequest = async (c: Context<AppEnv>) => listRequest(c, c.req.method === "POST" ? pickListState(await readForm(c)) : {});

  const answer = (c: Context<AppEnv>, request: ReturnType<typeof listRequest>) => {
    const { of, ...rest } = request;
    const input = { scope: of, query: rest.query };
    const props: DevicesPageProps = { ...rest, ...(rest.query.list === "domains" ? { domains: listDomains(c.var.ctx, input) } : { devices: listDevices(c.var.ctx, input) }) };
    return pageOrFragment(c, deps, { page: <DevicesPage {...props} />, fragment: <DevicesTable {...props} /> });
  };

  app.get("/devices", async (c) => answer(c, await readRequest(c)));

  app.post("/devices/release", async (c) => {
    const request = await readRequest(c);
    releaseDevice(c.var.ctx, { itemRowId: Number(c.req.query("itemRowId")), deviceUuid: c.req.query("device") ?? "" });
    return answer(c, request);
  });

  app.post("/devices/release-domain", async (c) => {
    const request = await readRequest(c);
    releaseDomain(c.var.ctx, { itemRowId: Number(c.req.query("itemRowId")), domain: c.req.query("domain") ?? "" });
    return answer(c, request);
  });

  app.post("/devices/rows-per-page", async (c) => {
    const { scope, query } = listRequest(c);
    const body = await parseFormBody(c);
    setRowsPerPage(c.var.ctx, { size: typeof body.size === "string" ? body.size : "" });
    return redirect(c, deps, `/devices?${listState(scope, { ...query, size: undefined, after: undefined, before: undefined })}`);
  });
}

const LIST_STATE_FIELDS = ["list", "q", "field", "sort", "size", "after", "before"] as const;

function pickListState(form: Record<string, string>): Record<string, string> {
  return Object.fromEntries(LIST_STATE_FIELDS.filter((k) => form[k] !== undefined).map((k) => [k, form[k]!]));
}
