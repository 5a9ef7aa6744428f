import type { AuditEntry } from "../../../src/domain/server-status";
import { Field, FormMessage, type FieldErrors } from "../../components/form";
import { AppLayout } from "../../layouts/app-layout";
import { useUrl } from "../../view-context";
import { UtcTime } from "../../components/utc-time";

export interface AuditLogPageProps {
  events: AuditEntry[];
  /** The actor kinds the filter offers. */
  actors: readonly string[];
  /** The filter as typed (also carried by the paging links). */
  filter: { action: string; actor: string; from: string; to: string };
  /** The query string of the next (older) page, or null on the last page. */
  next: string | null;
  /** True when this is not the first page. */
  paged: boolean;
  errors?: FieldErrors;
  message?: string;
}

/** Every admin action, newest first, 50 to a page (keyset paging: older pages cost the same). */
export function AuditLogPage(props: AuditLogPageProps) {
  const url = useUrl();
  const e = props.errors ?? {};
  const f = props.filter;
  const filterQuery = new URLSearchParams(Object.entries(f).filter(([, value]) => value !== "")).toString();
  return (
    <AppLayout title="Audit log">
      <p class="lead">Every action on this server: logins and failures, password changes and resets, UUID, imports, code edits, device releases, settings and backups.</p>
      <form method="get" action={url("/audit-log")} class="filters" aria-label="Filter the audit log">
        <FormMessage message={props.message} />
        <Field name="action" label="Action or prefix" value={f.action} error={e.action} hint="e.g. login, login.failed, backup" />
        <div class={e.actor ? "field field-invalid" : "field"}>
          <label for="field-actor">Actor</label>
          <select id="field-actor" name="actor">
            <option value="">any</option>
            {props.actors.map((a) => (
              <option value={a} selected={f.actor === a}>
                {a}
              </option>
            ))}
          </select>
          {e.actor && <p class="field-error">{e.actor}</p>}
        </div>
        <Field name="from" label="From (UTC day)" value={f.from} error={e.from} hint="YYYY-MM-DD" />
        <Field name="to" label="To (UTC day, inclusive)" value={f.to} error={e.to} hint="YYYY-MM-DD" />
        <button type="submit">Filter</button>
      </form>
      {props.events.length === 0 ? (
        <p class="empty">No event matches.</p>
      ) : (
        <div class="table-wrap">
          <table class="table" id="audit-log">
            <thead>
              <tr>
                <th scope="col">Time (UTC)</th>
                <th scope="col">Action</th>
                <th scope="col">Actor</th>
                <th scope="col">Source address</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {props.events.map((event) => (
                <tr data-id={String(event.id)}>
                  <td>
                    <UtcTime at={event.at} />
                  </td>
                  <td>
                    <code>{event.action}</code>
                  </td>
                  <td>{event.actor}</td>
                  <td>{event.ip ?? "—"}</td>
                  <td class="detail">{event.detail ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav class="pager" aria-label="Pages">
        {props.paged && <a href={url(`/audit-log${filterQuery ? `?${filterQuery}` : ""}`)}>Newest</a>}{" "}
        {props.next && (
          <a href={url(`/audit-log?${props.next}`)} rel="next">
            Older
          </a>
        )}
      </nav>
    </AppLayout>
  );
}
