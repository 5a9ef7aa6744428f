import type { Context, Hono } from "hono";
import { dataDirAt } from "../../db/data-dir";
import type { Deps } from "../../deps";
import { BACKUP_CONTENT_TYPE, createBackupOffThread, downloadBackup, listBackups, readBackupSettings, setBackupSettings, type BackupFile } from "../../services/backups";
import { BackupSettingsForm, BackupsPage, type BackupsPageProps } from "../../../templates/pages/backups/backups-page";
import type { AppEnv } from "../env";
import { readForm, submitForm } from "../forms";
import { redirect, render } from "../render";

/**
 *   GET  /backups                  the schedule's settings and the backups in <data-dir>/backups
 *   POST /backups/settings         on/off, keep N (1–365), hour (UTC); 422 keeps the values
 *   POST /backups/now              makes a backup there and downloads it
 *   GET  /backups/download/NAME    downloads one of them
 */
export function registerBackupRoutes(app: Hono<AppEnv>, deps: Deps) {
  const dir = dataDirAt(deps.settings.dataDir);
  const props = (c: Context<AppEnv>): BackupsPageProps => ({ settings: readBackupSettings(c.var.ctx), backups: listBackups(dir), folder: dir.backups });

  app.get("/backups", (c) => render(c, deps, <BackupsPage {...props(c)} done={c.req.query("saved") !== undefined ? "Saved." : undefined} />));

  app.post("/backups/settings", async (c) => {
    const form = await readForm(c);
    return submitForm(
      c,
      deps,
      () => {
        setBackupSettings(c.var.ctx, { enabled: form.enabled, keep: form.keep ?? "", hourUtc: form.hourUtc ?? "" });
        return redirect(c, deps, "/backups?saved");
      },
      { page: (f) => <BackupsPage {...props(c)} {...f} values={form} />, fragment: (f) => <BackupSettingsForm {...props(c)} {...f} values={form} /> },
    );
  });

  // Made on a thread of its own, as the schedule's: the API goes on answering while it copies. A
  // large database takes longer than a portal request's idle timeout (30 s): an admin's request,
  // past the login and CSRF checks, waits for its backup however long it takes.
  app.post("/backups/now", async (c) => {
    c.env?.timeout?.(c.req.raw, 0);
    const made = await createBackupOffThread(c.var.ctx, { dataDir: dir.root, trigger: "portal" });
    return attachment(downloadBackup(c.var.ctx, { dir, name: made.name }));
  });

  app.get("/backups/download/:name", (c) => attachment(downloadBackup(c.var.ctx, { dir, name: c.req.param("name") })));
}

function attachment(file: BackupFile): Response {
  return new Response(Bun.file(file.path), {
    headers: {
      "content-type": BACKUP_CONTENT_TYPE,
      "content-disposition": `attachment; filename="${file.name}"`,
      "content-length": String(file.size),
      "cache-control": "no-store",
    },
  });
}
