import { AppLayout } from "../layouts/app-layout";
import { useUrl } from "../view-context";
import { UtcTime } from "../components/utc-time";
import { formatUtc } from "../format";

export interface AlertHistoryRow {
  id: number;
  createdAt: Date;
  subject: string;
  summary: string[];
  status: "pending" | "sending" | "sent" | "failed";
  attempts: number;
  nextAttemptAt: Date | null;
  lastError: string | null;
  sentAt: Date | null;
  response: string | null;
}

export interface AlertHistoryPageProps {
  entries: AlertHistoryRow[];
  page: number;
  pages: number;
  total: number;
}


const STATUS: Record<AlertHistoryRow["status"], string> = { pending: "Queued", sending: "Sending", sent: "Sent", failed: "Failed" };

/** Every alert email: what it said, and whether it was sent, is waiting (and why), or was given up. */
export function AlertHistoryPage(props: AlertHistoryPageProps) {
  const url = useUrl();
  return (
    <AppLayout title="Alert history">
      <p class="lead">
        Alert emails, newest first ({props.total} in all). Mail that cannot be sent waits in the outbox and is retried: after 1 minute, then 2, 4, … up to every hour, for 3 days.
      </p>
      {props.entries.length === 0 ? (
        <p class="empty">No alert has been sent yet.</p>
      ) : (
        <div class="table-wrap">
          <table class="table" id="alert-history">
            <thead>
              <tr>
                <th scope="col">Queued (UTC)</th>
                <th scope="col">What</th>
                <th scope="col">Status</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {props.entries.map((e) => (
                <tr class={`outbox-${e.status}`}>
                  <td>
                    <UtcTime at={e.createdAt} />
                  </td>
                  <td>
                    <strong>{e.subject}</strong>
                    <ul>
                      {e.summary.map((line) => (
                        <li>{line}</li>
                      ))}
                    </ul>
                  </td>
                  <td>{STATUS[e.status]}</td>
                  <td>
                    {e.sentAt && <p>Sent {formatUtc(e.sentAt)} UTC: {e.response}</p>}
                    {e.attempts > 0 && <p class="muted">{e.attempts} attempt{e.attempts === 1 ? "" : "s"}</p>}
                    {e.lastError && <p class={e.status === "sent" ? "muted" : "field-error"}>Last error: {e.lastError}</p>}
                    {e.nextAttemptAt && e.status === "pending" && <p class="muted">Next attempt {formatUtc(e.nextAttemptAt)} UTC</p>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {props.pages > 1 && (
        <nav class="actions" aria-label="Pages">
          {props.page > 1 && <a href={url(`/alert-history?page=${props.page - 1}`)}>Newer</a>}
          <span>
            Page {props.page} of {props.pages}
          </span>
          {props.page < props.pages && <a href={url(`/alert-history?page=${props.page + 1}`)}>Older</a>}
        </nav>
      )}
    </AppLayout>
  );
}
