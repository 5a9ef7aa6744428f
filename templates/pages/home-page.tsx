import type { AuditEntry, ServerStatus } from "../../src/domain/server-status";
import { MachineUuidCard } from "../components/machine-uuid";
import { ClockRollbackBanner } from "../components/clock-rollback";
import type { ClockStatus } from "../../src/domain/clock-rollback";
import { formatBytes, formatDuration } from "../format";
import type { ItemSummary } from "../../src/domain/license-item";
import { LicenseSummary } from "../components/license-summary";
import { AppLayout } from "../layouts/app-layout";
import { useUrl } from "../view-context";
import type { UsageDashboard as Dashboard } from "../../src/domain/dashboard";
import { UsageDashboard } from "../components/usage-dashboard";
import { UtcTime } from "../components/utc-time";

export interface HomePageProps {
  summary: ItemSummary;
  status: ServerStatus;
  recentEvents: AuditEntry[];
  /** The outbox's last failed attempt (null: none ever failed). */
  mailError?: { at: Date; error: string; recovered: boolean } | null;
  /** Usage now and in the last 24 hours. */
  usage: Dashboard;
  /** The clock-rollback watch's status (null: not watched). */
  clock?: ClockStatus | null;
}

/** The server's status at a glance, and what happened lately. */
export function HomePage({ summary, status, recentEvents, mailError, usage, clock }: HomePageProps) {
  return (
    <AppLayout title="Home">
      <ClockRollbackBanner clock={clock} />
      <MachineUuidCard linkToGenerate />
      {mailError && <MailError {...mailError} />}
      <section aria-labelledby="licenses-heading">
        <h2 id="licenses-heading">Licenses</h2>
        <LicenseSummary summary={summary} />
      </section>
      {summary.total > 0 && (
        <section aria-labelledby="usage-heading">
          <h2 id="usage-heading">Usage</h2>
          <UsageDashboard usage={usage} />
        </section>
      )}
      <section aria-labelledby="status-heading">
        <h2 id="status-heading">Server</h2>
        <dl class="facts" id="server-status">
          <Fact label="Version" value={status.version} />
          <Fact label="Up for" value={formatDuration(status.now.getTime() - status.startedAt.getTime())} title={status.startedAt.toISOString()} />
          <Fact label="Listening on" value={status.listening} />
          <Fact label="Data directory" value={status.dataDir} />
          <Fact label="Database size" value={formatBytes(status.databaseBytes)} />
          <Fact label="Portal sessions" value={String(status.activeSessions)} />
        </dl>
      </section>
      <section aria-labelledby="activity-heading">
        <h2 id="activity-heading">Recent activity</h2>
        <table class="table" id="recent-activity">
          <thead>
            <tr>
              <th scope="col">When (UTC)</th>
              <th scope="col">What</th>
              <th scope="col">Who</th>
              <th scope="col">From</th>
            </tr>
          </thead>
          <tbody>
            {recentEvents.map((e) => (
              <tr>
                <td>
                  <UtcTime at={e.at} />
                </td>
                <td>{e.action}</td>
                <td>{e.actor}</td>
                <td>{e.ip ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </AppLayout>
  );
}

function Fact(props: { label: string; value: string; title?: string }) {
  return (
    <div>
      <dt>{props.label}</dt>
      <dd title={props.title}>{props.value}</dd>
    </div>
  );
}

/** The last mail error: a warning while alerts wait in the outbox, a note once mail works again. */
function MailError(props: { at: Date; error: string; recovered: boolean }) {
  const url = useUrl();
  const when = props.at.toISOString().slice(0, 16).replace("T", " ");
  return (
    <p class={props.recovered ? "notice notice-ok" : "banner banner-warn"} id="last-mail-error" role={props.recovered ? "status" : "alert"}>
      {props.recovered ? `Mail works again. The last mail error, at ${when} UTC, was: ${props.error}` : `Alert emails cannot be sent (last try ${when} UTC): ${props.error} They wait in the outbox.`}{" "}
      <a href={url("/alert-history")}>Alert history</a> · <a href={url("/email-config")}>Email Config</a>
    </p>
  );
}
