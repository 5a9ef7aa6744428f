import type { Context, Hono } from "hono";
import type { Deps } from "../../deps";
import { AppError } from "../../domain/errors";
import { HANDSHAKE_CODE_PATTERN, isLinkable, type HandshakeCodeView } from "../../domain/handshake-code";
import {
  createHandshakeCode,
  deleteHandshakeCode,
  editHandshakeCode,
  findHandshakeCode,
  listHandshakeCodes,
  makeDefaultHandshakeCode,
  moveHandshakeCodeItem,
  resetConsumptionOrder,
  setHandshakeCodeEnabled,
} from "../../services/handshake-codes";
import type { ServiceContext } from "../../services/context";
import { listItems } from "../../services/items";
import { readServerUrls, setServerUrls } from "../../services/settings";
import { HandshakeCodeForm, HandshakeCodeFormPage, type HandshakeCodeFormValues } from "../../../templates/pages/handshake-codes/handshake-code-form-page";
import { HandshakeCodesPage, ServerUrlForm, type HandshakeCodesPageProps } from "../../../templates/pages/handshake-codes/handshake-codes-page";
import { CodesTable } from "../../../templates/partials/codes-table";
import { ConsumptionOrder } from "../../../templates/partials/consumption-order";
import type { AppEnv } from "../env";
import { parseFormBody, readForm, submitForm } from "../forms";
import { isHtmx, redirect, render } from "../render";

const CODE = `{${HANDSHAKE_CODE_PATTERN.source.slice(1, -1)}}`;

/**
 *   GET  /configurations                         the codes, their license keys, and Set Server URL
 *   GET  /configurations/new                     the add form; POST: create, back to the list
 *   GET  /configurations/:code/edit              the edit form and the consumption order; POST: save
 *   POST /configurations/:code/enable|disable|default|delete
 *                                                htmx: the table again; otherwise back to the list
 *   POST /configurations/:code/order/:rowId/up|down, /configurations/:code/order/reset
 *                                                htmx: the order list again; otherwise the edit page
 *   POST /configurations/server-url              Set Server URL (main, standby, standby's key)
 */
export function registerHandshakeCodeRoutes(app: Hono<AppEnv>, deps: Deps) {
  const listPage = (ctx: ServiceContext, extra: Partial<HandshakeCodesPageProps> = {}) => <HandshakeCodesPage codes={listHandshakeCodes(ctx)} urls={readServerUrls(ctx)} {...extra} />;
  const codeOr404 = (ctx: ServiceContext, code: string): HandshakeCodeView => {
    const found = findHandshakeCode(ctx, code);
    if (!found) throw new AppError("NOT_FOUND", `There is no handshake code ${code} (it may have just been deleted).`);
    return found;
  };
  const formProps = (ctx: ServiceContext, values: HandshakeCodeFormValues, code?: HandshakeCodeView) => {
    const linked = new Set(code?.items.map((i) => i.rowId));
    const choices = listItems(ctx, { now: ctx.clock.now(), showExpired: true, showRevoked: true, sort: "itemId" }).filter(
      (i) => linked.has(i.rowId) || (isLinkable(i.status) && (!code || i.organizationId === code.organizationId)),
    );
    return { code, values, choices, organizations: [...new Set(choices.map((i) => i.organizationId))].sort() };
  };

  app.get("/configurations", (c) => render(c, deps, listPage(c.var.ctx, { notice: noticeFor(c.req.query()) })));

  app.get("/configurations/new", (c) => render(c, deps, <HandshakeCodeFormPage {...formProps(c.var.ctx, EMPTY_VALUES)} />));

  app.post("/configurations/new", async (c) => {
    const { sessionPassword, ...values } = await readCodeForm(c);
    return submitForm(
      c,
      deps,
      () => {
        const row = createHandshakeCode(c.var.ctx, { organizationId: values.organizationId, suffix: values.suffix, name: values.name, itemRowIds: values.itemRowIds, sessionPassword, ...lists(values) });
        return redirect(c, deps, `/configurations?created=${row.code}`);
      },
      { page: (f) => <HandshakeCodeFormPage {...formProps(c.var.ctx, values)} {...f} />, fragment: (f) => <HandshakeCodeForm {...formProps(c.var.ctx, values)} {...f} /> },
    );
  });

  app.get(`/configurations/:code${CODE}/edit`, (c) => {
    const code = codeOr404(c.var.ctx, c.req.param("code"));
    return render(c, deps, <HandshakeCodeFormPage {...formProps(c.var.ctx, valuesOf(code), code)} />);
  });

  app.post(`/configurations/:code${CODE}/edit`, async (c) => {
    const code = codeOr404(c.var.ctx, c.req.param("code"));
    const { sessionPassword, ...values } = await readCodeForm(c);
    return submitForm(
      c,
      deps,
      () => {
        editHandshakeCode(c.var.ctx, { code: code.code, name: values.name, itemRowIds: values.itemRowIds, sessionPasswordAction: values.sessionPasswordAction, sessionPassword, ...lists(values) });
        return redirect(c, deps, `/configurations?saved=${code.code}`);
      },
      { page: (f) => <HandshakeCodeFormPage {...formProps(c.var.ctx, values, code)} {...f} />, fragment: (f) => <HandshakeCodeForm {...formProps(c.var.ctx, values, code)} {...f} /> },
    );
  });

  app.post(`/configurations/:code${CODE}/:action{enable|disable|default|delete}`, (c) => {
    const code = c.req.param("code");
    const action = c.req.param("action");
    const { ctx } = c.var;
    if (action === "enable" || action === "disable") setHandshakeCodeEnabled(ctx, { code, enabled: action === "enable" });
    else if (action === "default") makeDefaultHandshakeCode(ctx, { code });
    else deleteHandshakeCode(ctx, { code });
    if (isHtmx(c)) return render(c, deps, <CodesTable codes={listHandshakeCodes(ctx)} />);
    return redirect(c, deps, action === "delete" ? `/configurations?deleted=${code}` : "/configurations");
  });

  app.post(`/configurations/:code${CODE}/order/:rowId{[0-9]{1,15}}/:direction{up|down}`, (c) => {
    const code = c.req.param("code");
    moveHandshakeCodeItem(c.var.ctx, { code, itemRowId: Number(c.req.param("rowId")), direction: c.req.param("direction") as "up" | "down" });
    return orderOrEditPage(c, code);
  });

  app.post(`/configurations/:code${CODE}/order/reset`, (c) => {
    const code = c.req.param("code");
    resetConsumptionOrder(c.var.ctx, { code });
    return orderOrEditPage(c, code);
  });

  const orderOrEditPage = (c: Context<AppEnv>, code: string) =>
    isHtmx(c) ? render(c, deps, <ConsumptionOrder code={codeOr404(c.var.ctx, code)} />) : redirect(c, deps, `/configurations/${code}/edit`);

  app.post("/configurations/server-url", async (c) => {
    const form = await readForm(c);
    const values = { main: form.main ?? "", standby: form.standby ?? "", standbyPublicKey: form.standbyPublicKey ?? "" };
    return submitForm(
      c,
      deps,
      () => {
        setServerUrls(c.var.ctx, values);
        return redirect(c, deps, "/configurations?server-url=saved");
      },
      {
        page: (f) => listPage(c.var.ctx, { serverUrlForm: { values, ...f } }),
        fragment: (f) => <ServerUrlForm urls={readServerUrls(c.var.ctx)} values={values} {...f} />,
      },
    );
  });
}

const EMPTY_VALUES: HandshakeCodeFormValues = { organizationId: "", suffix: "", name: "", itemRowIds: [], domains: "", appIds: "", processNames: "", sessionPasswordAction: "keep" };

function valuesOf(code: HandshakeCodeView): HandshakeCodeFormValues {
  return {
    organizationId: code.organizationId,
    suffix: code.suffix,
    name: code.name,
    itemRowIds: code.items.map((i) => i.rowId),
    domains: code.validation.domains.join("\n"),
    appIds: code.validation.appIds.join("\n"),
    processNames: code.validation.processNames.join("\n"),
    sessionPasswordAction: "keep",
  };
}

/** The add/edit form as posted: `items` repeats (one per ticked box); the session password apart, never shown again. */
async function readCodeForm(c: Context<AppEnv>): Promise<HandshakeCodeFormValues & { sessionPassword: string }> {
  const body = await parseFormBody(c, { all: true });
  const one = (name: string) => {
    const value = body[name];
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    return typeof last === "string" ? last : "";
  };
  const items = ([] as unknown[]).concat(body.items ?? []).filter((v): v is string => typeof v === "string");
  const action = one("sessionPasswordAction");
  return {
    organizationId: one("organizationId"),
    suffix: one("suffix"),
    name: one("name"),
    itemRowIds: items.map((v) => (/^[0-9]{1,15}$/.test(v) ? Number(v) : Number.NaN)),
    domains: one("domains"),
    appIds: one("appIds"),
    processNames: one("processNames"),
    sessionPasswordAction: action === "set" || action === "remove" ? action : "keep",
    sessionPassword: one("sessionPassword"),
  };
}

/** A textarea's values: one per line (commas separate too). */
function lists(values: HandshakeCodeFormValues) {
  const split = (text: string) => text.split(/[\r\n,]+/).map((v) => v.trim()).filter(Boolean);
  return { domains: split(values.domains), appIds: split(values.appIds), processNames: split(values.processNames) };
}

function noticeFor(query: Record<string, string>): string | undefined {
  const code = (name: string) => (query[name] && HANDSHAKE_CODE_PATTERN.test(query[name]) ? query[name] : null);
  if (code("created")) return `Configuration ${code("created")} created. Copy its license key below for the app's developers.`;
  if (code("saved")) return `Configuration ${code("saved")} saved.`;
  if (code("deleted")) return `Configuration ${code("deleted")} deleted.`;
  if (query["server-url"] === "saved") return "Server URLs saved. Every license key below now carries them: give the new keys to the app developers.";
  return undefined;
}
