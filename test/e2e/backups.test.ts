// Backups in a real browser on the compiled binary (npm run build): "Back up now and download" is
// made on the backup thread, whose entry point the build compiles into the binary — a binary
// without it could not make one.
import { afterAll, expect } from "bun:test";
import { readFileSync } from "node:fs";
import { verifyBackup } from "../../src/services/backups";
import { browserTest, openPortalSession, setPasswordAndLogIn, type PortalSession } from "../helpers/browser-watch";

let session: PortalSession | undefined;
afterAll(() => session?.close());

browserTest(
  "Back up now downloads a whole backup of this instance, made on the binary's backup thread, and lists it",
  async () => {
    session = await openPortalSession();
    const { server, page, problems, base, at } = session;
    await page.goto(`${base}/`);
    await page.waitForURL(at("/setup"));
    await setPasswordAndLogIn(page, at, server.setupToken!, "backup horse battery staple");

    await page.goto(`${base}/backups`);
    expect(await page.locator(".empty").textContent()).toBe("No backup has been made yet.");
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Back up now and download" }).click()]);
    expect(download.suggestedFilename()).toMatch(/^lts-backup-\d{8}-\d{6}\.tar$/);
    const { manifest } = verifyBackup(readFileSync((await download.path())!));
    expect(manifest.instanceId).toBe(readFileSync(`${server.dataDir}/instance-id`, "utf8").trim());

    await page.goto(`${base}/backups`);
    expect(await page.locator("#backups-table tbody tr").allTextContents()).toEqual([expect.stringContaining(download.suggestedFilename())]);
    expect(problems).toEqual([]);
  },
  60_000,
);
