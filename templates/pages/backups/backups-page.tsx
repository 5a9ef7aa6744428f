import { Field, Form, FormMessage, type FieldErrors } from "../../components/form";
import { formatBytes } from "../../format";
import { AppLayout } from "../../layouts/app-layout";
import { useUrl, useView } from "../../view-context";
import { UtcTime } from "../../components/utc-time";

export const BACKUP_SETTINGS_FORM_ID = "backup-settings-form";

/** One backup in the backups folder. */
export interface BackupRow {
  name: string;
  size: number;
  createdAt: Date;
}

export interface BackupsPageProps {
  /** The schedule: daily on/off, how many to keep, the hour (UTC). */
  settings: { enabled: boolean; keep: number; hourUtc: number };
  backups: BackupRow[];
  /** Where backups are kept: <data-dir>/backups. */
  folder: string;
  /** The form as typed, when it failed. */
  values?: Record<string, string>;
  errors?: FieldErrors;
  message?: string;
  done?: string;
}

export function BackupsPage(props: BackupsPageProps) {
  const url = useUrl();
  const { csrfToken } = useView();
  return (
    <AppLayout title="Backups">
      <p class="lead">
        A backup is one file: a consistent copy of the database made while the server runs, with the instance id and instance key.
        It holds the server's private key, so keep it as safe as the server. Restore one with <code>lts restore FILE</code> on the
        server's console while the server is stopped.
      </p>
      <form method="post" action={url("/backups/now")} aria-label="Back up now">
        <input type="hidden" name="_csrf" value={csrfToken} />
        <button type="submit">Back up now and download</button>
        <p class="hint">The download starts once the copy is made and checked: about a second per 40 MB of database. The server goes on answering meanwhile.</p>
      </form>
      <h2>Scheduled backups</h2>
      <BackupSettingsForm {...props} />
      <h2>Backups on the server</h2>
      <p class="hint">
        In <code>{props.folder}</code>, newest first.
      </p>
      {props.backups.length === 0 ? (
        <p class="empty">No backup has been made yet.</p>
      ) : (
        <div class="table-wrap">
          <table class="table" id="backups-table">
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Made (UTC)</th>
                <th scope="col">Size</th>
              </tr>
            </thead>
            <tbody>
              {props.backups.map((b) => (
                <tr>
                  <td>
                    <a href={url(`/backups/download/${encodeURIComponent(b.name)}`)} download={b.name}>
                      {b.name}
                    </a>
                  </td>
                  <td>
                    <UtcTime at={b.createdAt} />
                  </td>
                  <td>{formatBytes(b.size)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </AppLayout>
  );
}

/** The schedule's form: the swap target of its own post. */
export function BackupSettingsForm(props: BackupsPageProps) {
  const e = props.errors ?? {};
  const values = props.values ?? { enabled: props.settings.enabled ? "on" : "", keep: String(props.settings.keep), hourUtc: String(props.settings.hourUtc) };
  return (
    <Form id={BACKUP_SETTINGS_FORM_ID} action="/backups/settings" label="Scheduled backups">
      <FormMessage message={props.done} kind="ok" />
      <FormMessage message={props.message} />
      <div class="field">
        <label>
          <input type="checkbox" name="enabled" value="on" checked={!!values.enabled} /> Make a backup every day
        </label>
      </div>
      <Field name="hourUtc" label="At this hour (UTC, 0–23)" value={values.hourUtc} error={e.hourUtc} />
      <Field name="keep" label="Backups to keep" value={values.keep} error={e.keep} hint="1 to 365; older backups in the folder are deleted after each scheduled backup." />
      <button type="submit">Save</button>
    </Form>
  );
}
