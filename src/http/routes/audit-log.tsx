import type { Hono } from "hono";
import { AUDIT_ACTORS } from "../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../domain/errors";
import { listAuditEvents, type AuditCursor } from "../../services/audit";
import { AuditLogPage } from "../../../templates/pages/audit-log/audit-log-page";
import type { AppEnv } from "../env";
import { submitForm } from "../forms";
import { render } from "../render";

export const AUDIT_PAGE_SIZE = 50;

/**
 *   GET /audit-log?action=&actor=&from=&to=&before=AT.ID   one page of the audit log, newest first;
 *   `before` is the (at, id) of the previous page's last row (keyset paging). A bad filter is 422.
 */
export function registerAuditLogRoutes(app: Hono<AppEnv>, deps: Deps) {
  app.get("/audit-log", (c) => {
    const q = c.req.query();
    const filter = { action: q.action ?? "", actor: q.actor ?? "", from: q.from ?? "", to: q.to ?? "" };
    const before = parseCursor(q.before);
    return submitForm(
      c,
      deps,
      () => {
        const rows = listAuditEvents(c.var.ctx, { limit: AUDIT_PAGE_SIZE + 1, filter, before });
        const events = rows.slice(0, AUDIT_PAGE_SIZE);
        const last = events.at(-1);
        const next =
          rows.length > AUDIT_PAGE_SIZE && last
            ? new URLSearchParams({ ...Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== "")), before: `${last.at.getTime()}.${last.id}` }).toString()
            : null;
        return render(c, deps, <AuditLogPage actors={AUDIT_ACTORS} events={events} filter={filter} next={next} paged={before !== null} />);
      },
      { page: (f) => <AuditLogPage actors={AUDIT_ACTORS} events={[]} filter={filter} next={null} paged={false} {...f} />, fragment: (f) => <AuditLogPage actors={AUDIT_ACTORS} events={[]} filter={filter} next={null} paged={false} {...f} /> },
    );
  });
}

function parseCursor(raw: string | undefined): AuditCursor | null {
  if (raw === undefined || raw === "") return null;
  const m = /^(\d{1,15})\.(\d{1,15})$/.exec(raw);
  if (!m) throw new AppError("BAD_REQUEST", "The page link is damaged. Open the Audit log from the menu again.");
  return { at: Number(m[1]), id: Number(m[2]) };
}
