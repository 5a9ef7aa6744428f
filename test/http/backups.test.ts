import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { dataDirAt } from "../../src/db/data-dir";
import { auditEvents, instance } from "../../src/db/schema";
import { readBackupSettings, verifyBackup } from "../../src/services/backups";
import { Browser, ORIGIN, setUpAndLogIn, textOf } from "../helpers/browser";
import { createWorld } from "../helpers/world";

/**
 * A logged-in admin on a world whose database is its data dir's: a backup is made on a thread of
 * its own, through its own connection.
 */
async function loggedIn() {
  const w = createWorld({ onDisk: true });
  const instanceId = w.db.select().from(instance).get()!.instanceId;
  const admin = new Browser(w.app);
  await setUpAndLogIn(admin, w.setupToken);
  /** Per-request timeouts the routes set through Bun's server (`server.timeout(request, seconds)`). */
  const timeouts: number[] = [];
  /** Posts "Back up now" as the plain form does and returns the raw answer (a tar is not text). */
  const backUpNow = async (browser = admin) => {
    const csrf = (await browser.get("/backups")).doc.querySelector('form[action="/backups/now"] input[name="_csrf"]')?.getAttribute("value") ?? "";
    return w.app.request(
      "/backups/now",
      { method: "POST", headers: { origin: ORIGIN, "content-type": "application/x-www-form-urlencoded", cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join("; ") }, body: new URLSearchParams({ _csrf: csrf }).toString() },
      { requestIP: () => ({ address: browser.ip }), timeout: (_: Request, seconds: number) => void timeouts.push(seconds) },
    );
  };
  const download = (path: string, browser = admin) =>
    w.app.request(path, { headers: { cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join("; ") } }, { requestIP: () => ({ address: browser.ip }) });
  const audit = (action: string) => w.db.select().from(auditEvents).all().filter((e) => e.action === action);
  return { ...w, instanceId, admin, backUpNow, download, audit, timeouts };
}

describe("Backups page", () => {
  test("is in the menu and shows the schedule and that there is no backup yet", async () => {
    const w = await loggedIn();
    const page = await w.admin.get("/backups");
    expect(page.status).toBe(200);
    expect(textOf(page, "h1")).toBe("Backups");
    expect(page.doc.querySelector('nav.sidebar a[href="/backups"]')?.getAttribute("aria-current")).toBe("page");
    expect(page.doc.querySelector<HTMLInputElement>('input[name="enabled"]')?.hasAttribute("checked")).toBe(true);
    expect(page.doc.querySelector('input[name="keep"]')?.getAttribute("value")).toBe("7");
    expect(page.doc.querySelector('input[name="hourUtc"]')?.getAttribute("value")).toBe("3");
    expect(textOf(page, ".empty")).toBe("No backup has been made yet.");
  });

  test("Back up now answers the backup as an attachment, lists it, and is audited", async () => {
    const w = await loggedIn();
    const res = await w.backUpNow();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-tar");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="lts-backup-20261128-120000.tar"');
    const { manifest } = verifyBackup(new Uint8Array(await res.arrayBuffer()));
    expect(manifest.instanceId).toBe(w.instanceId);
    expect(existsSync(`${dataDirAt(w.dataDir).backups}/lts-backup-20261128-120000.tar`)).toBe(true);

    const page = await w.admin.get("/backups");
    const rows = [...page.doc.querySelectorAll("#backups-table tbody tr")];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.textContent).toContain("lts-backup-20261128-120000.tar");
    expect(rows[0]!.textContent).toContain("2026-11-28 12:00:00");
    expect(rows[0]!.textContent).toMatch(/\d+(\.\d)? kB/);

    expect(w.audit("backup.created").map((e) => [e.actor, e.ip, JSON.parse(e.detail!).trigger])).toEqual([["admin", "192.0.2.10", "portal"]]);
    expect(w.audit("backup.downloaded").map((e) => JSON.parse(e.detail!).file)).toEqual(["lts-backup-20261128-120000.tar"]);
  });

  test("Back up now is made on a thread of its own: the server answers while it copies", async () => {
    const w = await loggedIn();
    // ~16 MB of history, so that the copy takes a while.
    w.db.$client.run(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 16000)
       INSERT INTO audit_events (at, actor, action, detail) SELECT i, 'system', 'filler', json_object('pad', hex(randomblob(500))) FROM n`,
    );
    let settled = false;
    const backingUp = w.backUpNow().finally(() => (settled = true));
    const tmp = dataDirAt(w.dataDir).tmp;
    // The copy in <data-dir>/tmp can be seen only from outside the thread that makes it.
    const copying = () => existsSync(tmp) && readdirSync(tmp).some((name) => name.startsWith("backup-"));
    while (!settled && !copying()) await Bun.sleep(1);
    expect(settled).toBe(false);
    expect((await w.admin.get("/backups")).status).toBe(200);
    expect((await backingUp).status).toBe(200);
    expect((await w.admin.get("/backups")).doc.querySelectorAll("#backups-table tbody tr")).toHaveLength(1);
  });

  test("two Back up now at once make two whole backups, one after the other", async () => {
    const w = await loggedIn();
    const answers = await Promise.all([w.backUpNow(), w.backUpNow()]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    const names = answers.map((a) => /filename="(.+)"/.exec(a.headers.get("content-disposition")!)![1]);
    expect(names.sort()).toEqual(["lts-backup-20261128-120000-2.tar", "lts-backup-20261128-120000.tar"]);
    for (const answer of answers) expect(verifyBackup(new Uint8Array(await answer.arrayBuffer())).manifest.instanceId).toBe(w.instanceId);
    expect(w.audit("backup.created")).toHaveLength(2);
  });

  test("each listed backup downloads, audited; a name that is not a backup's is 404", async () => {
    const w = await loggedIn();
    await w.backUpNow();
    const href = (await w.admin.get("/backups")).doc.querySelector("#backups-table a")!.getAttribute("href")!;
    const res = await w.download(href);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="lts-backup-20261128-120000.tar"');
    expect(verifyBackup(new Uint8Array(await res.arrayBuffer())).manifest.format).toBe("lts-backup");
    expect(w.audit("backup.downloaded")).toHaveLength(2);

    for (const path of ["/backups/download/lts-backup-20991231-000000.tar", "/backups/download/..%2Flts.db", "/backups/download/instance-key.pem"]) {
      expect((await w.download(path)).status).toBe(404);
    }
    expect(w.audit("backup.downloaded")).toHaveLength(2);
  });

  test("Back up now may take longer than a portal request's 30 s: an admin's lifts its own timeout, a visitor's does not", async () => {
    const w = await loggedIn();
    expect((await w.backUpNow(new Browser(w.app, "203.0.113.9"))).status).not.toBe(200);
    expect(w.timeouts).toEqual([]);
    expect((await w.backUpNow()).status).toBe(200);
    expect(w.timeouts).toEqual([0]);
  });

  test("needs a login: no backup is made or handed out to a visitor", async () => {
    const w = await loggedIn();
    await w.backUpNow();
    const visitor = new Browser(w.app, "203.0.113.9");
    const page = await visitor.get("/backups");
    expect(page.status).toBe(303);
    const res = await w.download("/backups/download/lts-backup-20261128-120000.tar", visitor);
    expect(res.status).toBe(303);
    expect(res.headers.get("content-disposition")).toBeNull();
    expect((await w.backUpNow(visitor)).status).not.toBe(200);
    expect(w.audit("backup.created")).toHaveLength(1);
    expect(w.audit("backup.downloaded")).toHaveLength(1);
  });

  test("the schedule form saves, audited; keep must be 1..365 and the hour 0..23 (422, values kept, nothing saved)", async () => {
    const w = await loggedIn();
    for (const [keep, hourUtc, field] of [
      ["0", "3", "keep"],
      ["366", "3", "keep"],
      ["seven", "3", "keep"],
      ["7", "24", "hourUtc"],
    ] as const) {
      const page = await w.admin.post("/backups/settings", { keep, hourUtc });
      expect(page.status).toBe(422);
      expect(page.doc.querySelector('input[name="keep"]')?.getAttribute("value")).toBe(keep);
      expect(page.doc.querySelector('input[name="hourUtc"]')?.getAttribute("value")).toBe(hourUtc);
      expect(page.doc.querySelector(`#field-${field}-error`)?.textContent).toMatch(/Enter/);
      expect(page.doc.querySelector<HTMLInputElement>('input[name="enabled"]')?.hasAttribute("checked")).toBe(false);
    }
    expect(readBackupSettings(w)).toEqual({ enabled: true, keep: 7, hourUtc: 3 });
    expect(w.audit("backup.settings-changed")).toEqual([]);

    const saved = await w.admin.post("/backups/settings", { keep: "30", hourUtc: "22" });
    expect(saved.header("hx-redirect")).toBe("/backups?saved");
    expect(readBackupSettings(w)).toEqual({ enabled: false, keep: 30, hourUtc: 22 });
    const page = await w.admin.get("/backups?saved");
    expect(textOf(page, ".notice-ok")).toBe("Saved.");
    expect(page.doc.querySelector('input[name="keep"]')?.getAttribute("value")).toBe("30");
    expect(JSON.parse(w.audit("backup.settings-changed")[0]!.detail!)).toEqual({ enabled: false, keep: 30, hourUtc: 22 });
  });
});
