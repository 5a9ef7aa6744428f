// The licensing loop in a real browser, on the compiled binaries (npm run build): the admin generates
// the machine UUID in the portal, the vendor issues and activates a license file for it with
// dist/lts-vendor (demo issuer, which the default build trusts), and the admin imports it — first the
// unactivated file (refused), then the activated one — and sees its items on License Items and Home.
// Any CSP violation, script error, failed request or 5xx fails the test. Screenshots of the import
// preview, License Items and Home land in dist/screenshots/.
import { afterAll, expect } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { runVendor } from "../helpers/binary";
import { browserTest, openPortalSession, screenshot, setPasswordAndLogIn, type PortalSession } from "../helpers/browser-watch";
import { tempDir } from "../helpers/temp";

const TIMEOUT_MS = 90_000;

const PASSWORD = "licensing horse battery staple";
const UUID_PATTERN = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;
/** The labels this machine (and a CI runner) has; motherboard serials are often empty in containers. */
const LABELS = ["machine-id", "mac"];
const LICENSE_ID = "3001";
const LICENSEE = "Acme Corporation";
const SUFFIX = "appA";
const DAY_MS = 86_400_000;

let session: PortalSession | undefined;
afterAll(() => session?.close());

/** SPEC.json around today: two items valid now (different charge ways and expiries), one from next month. */
function spec(now: Date) {
  const iso = (at: Date) => at.toISOString();
  const startedAt = new Date(now.getTime() - 30 * DAY_MS);
  const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  const common = { product: "dbr", version: 10, modules: [] as string[] };
  return {
    licenseId: LICENSE_ID,
    alias: "Acme e2e",
    organizationId: "100200",
    licensee: LICENSEE,
    items: [
      {
        ...common,
        itemId: "3001001",
        description: "Web app devices",
        edition: "javascript",
        deploymentTypes: ["browser", "mobile"],
        chargeWay: "device",
        windowDays: 365,
        quantity: 500,
        startsAt: iso(startedAt),
        expiresAt: iso(new Date(Date.UTC(now.getUTCFullYear() + 1, now.getUTCMonth(), now.getUTCDate()))),
      },
      {
        ...common,
        itemId: "3001002",
        description: "Desktop scans",
        edition: "desktop",
        deploymentTypes: ["desktop"],
        chargeWay: "scan",
        quantity: 1_000_000,
        startsAt: iso(startedAt),
        expiresAt: iso(new Date(now.getTime() + 180 * DAY_MS)),
      },
      {
        ...common,
        itemId: "3001003",
        description: "Warehouse handhelds from next month",
        edition: "android",
        deploymentTypes: ["mobile"],
        chargeWay: "concurrent-device",
        quantity: 50,
        startsAt: iso(nextMonth),
        expiresAt: iso(new Date(Date.UTC(nextMonth.getUTCFullYear() + 1, nextMonth.getUTCMonth(), 1))),
      },
    ],
  };
}

browserTest(
  "generate the UUID, import an activated license file and see its items on License Items and Home, in chromium",
  async () => {
    session = await openPortalSession();
    const { server, page, problems, base, at } = session;
    const token = server.setupToken;
    expect(token).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    const now = new Date();

    try {
      // First run: the token from the console, the password, then log in.
      await page.goto(`${base}/`);
      await page.waitForURL(at("/setup"));
      await setPasswordAndLogIn(page, at, token!, PASSWORD);

      // Generate UUID from the menu, bound to the machine ID and the MAC address.
      await openFromMenu(page, "Generate UUID");
      expect(new URL(page.url()).pathname).toBe("/generate-uuid");
      const boxes = page.locator('#generate-uuid-form fieldset.checks input[type="checkbox"]');
      await boxes.first().waitFor();
      for (const box of await boxes.all()) {
        const label = (await box.getAttribute("name"))!.replace(/^label-/, "");
        if (LABELS.includes(label)) {
          expect(await box.isEnabled(), `label ${label} is available on this machine`).toBe(true);
          await box.check();
        } else if (await box.isEnabled()) {
          await box.uncheck();
        }
      }
      await page.getByRole("button", { name: "Generate UUID" }).click();
      await page.waitForURL(at("/generate-uuid?done=1"));
      expect(await page.locator("#generate-uuid-form .notice-ok").textContent()).toContain("The UUID is generated and stored.");
      const uuid = (await page.locator("#machine-uuid").innerText()).trim();
      expect(uuid).toMatch(UUID_PATTERN);
      expect(await page.locator(".uuid-card .hint").first().innerText()).toContain("Machine ID");
      await openFromMenu(page, "Home");
      expect((await page.locator("#machine-uuid").innerText()).trim()).toBe(uuid);

      // The vendor's side: a key of their own, then a license issued and activated by the demo issuer.
      const dir = tempDir("lts-e2e-vendor-");
      const keygen = await runVendor(["keygen", "--out-dir", join(dir, "keys")], dir);
      expect(keygen.code, keygen.stderr).toBe(0);
      expect(keygen.stdout).toMatch(/^kid: [0-9a-f]{16}$/m);
      writeFileSync(join(dir, "SPEC.json"), JSON.stringify(spec(now), null, 2));
      const issued = await runVendor(["issue", "--spec", "SPEC.json", "--out", "new.lic", "--demo"], dir);
      expect(issued.code, issued.stderr).toBe(0);
      expect(readFileSync(join(dir, "new.lic"), "utf8")).toStartWith("-----BEGIN LTS LICENSE FILE-----\n");
      const activated = await runVendor(["activate", "--license", "new.lic", "--uuid", uuid, "--out", "activated.lic", "--demo"], dir);
      expect(activated.code, activated.stderr).toBe(0);
      const inspected = await runVendor(["inspect", "activated.lic"], dir);
      expect(inspected.code, inspected.stderr).toBe(0);
      expect(inspected.stdout).toContain("signature: valid");
      expect(inspected.stdout).toContain(uuid);

      // Import License File: the unactivated file is refused with what to do.
      await openFromMenu(page, "Import License File");
      expect(new URL(page.url()).pathname).toBe("/import-license-file");
      await page.setInputFiles("#field-file", join(dir, "new.lic"));
      await page.getByRole("button", { name: "Check the file" }).click();
      const refusal = page.locator("#import-area .notice-error");
      await refusal.waitFor();
      const refusalText = await refusal.innerText();
      expect(refusalText).toContain("not activated");
      expect(refusalText).toContain(`Activate it for this server's UUID ${uuid}`);

      // The activated file: the preview lists the items, then Import attaches them to a new code.
      await page.setInputFiles("#field-file", join(dir, "activated.lic"));
      await page.getByRole("button", { name: "Check the file" }).click();
      const previewRows = page.locator("#preview-items tbody tr");
      await previewRows.first().waitFor();
      expect(await page.locator("#preview-heading").innerText()).toBe("A new license");
      expect(await previewRows.count()).toBe(3);
      expect(await page.locator("#import-area dl.facts").innerText()).toContain(LICENSEE);
      expect(await page.locator("#import-area dl.facts").innerText()).toContain(uuid);
      expect(await page.locator("#import-area .badge-demo").count()).toBe(1);
      expect(await statusOf(previewRows, "3001001")).toBe("Active");
      expect(await statusOf(previewRows, "3001002")).toBe("Active");
      expect(await statusOf(previewRows, "3001003")).toBe("Not yet valid");
      await page.fill('input[name="newSuffix"]', SUFFIX);
      await screenshot(page, "import-preview.png");
      await page.getByRole("button", { name: "Import", exact: true }).click();
      await page.waitForURL((url) => url.pathname === "/license-items");
      expect(await page.locator(".notice-ok").innerText()).toBe(`License ${LICENSE_ID} imported. Its items are attached to handshake code 100200-${SUFFIX}.`);

      // License Items: every item with its status and the demo issuer badge.
      const rows = page.locator("#items-table tr.item-row");
      expect(await rows.count()).toBe(3);
      expect(await statusOf(rows, "3001001")).toBe("Active");
      expect(await statusOf(rows, "3001002")).toBe("Active");
      expect(await statusOf(rows, "3001003")).toBe("Not yet valid");
      expect(await page.locator("#items-table tr.item-row .badge-demo").count()).toBe(3);

      // One row's details: the licensee and the code the import attached it to.
      await page.getByRole("button", { name: "Details of item 3001001" }).click();
      const details = page.locator("#items-table tr.item-details");
      await details.waitFor();
      const detailsText = await details.innerText();
      expect(detailsText).toContain(LICENSEE);
      expect(detailsText).toContain(`100200-${SUFFIX}`);
      await screenshot(page, "license-items.png");

      // Home: the counts by status, the nearest expiry (the scan item, in 180 days) and the same UUID.
      await openFromMenu(page, "Home");
      expect((await page.locator("#machine-uuid").innerText()).trim()).toBe(uuid);
      const summary = page.locator("#license-summary");
      expect(await summary.locator(".summary-active .count").innerText()).toBe("2");
      expect(await summary.locator(".summary-not-yet-valid .count").innerText()).toBe("1");
      expect(await summary.locator(".summary a").count()).toBe(2);
      const expiry = spec(now).items[1]!.expiresAt.slice(0, 10);
      expect(await summary.innerText()).toContain(`Nearest expiry: item 3001002 (Desktop scans) on ${expiry}.`);
      expect(await summary.innerText()).toContain("signed by the demo issuer");
      await screenshot(page, "home-licensed.png");
    } finally {
      if (problems.length > 0) console.error(`browser problems:\n  ${problems.join("\n  ")}`);
    }
    expect(problems).toEqual([]);
  },
  TIMEOUT_MS,
);

/** Clicks a sidebar menu entry and waits for its page to load. */
async function openFromMenu(page: Page, label: string) {
  const loaded = page.waitForEvent("load");
  await page.locator("nav.sidebar ul.menu").getByRole("link", { name: label, exact: true }).click();
  await loaded;
  expect(await page.locator("h1").innerText()).toBe(label);
}

/** The status badge's text in the table row of an item id. */
function statusOf(rows: ReturnType<Page["locator"]>, itemId: string): Promise<string> {
  return rows.filter({ has: rows.page().locator("code", { hasText: new RegExp(`^${itemId}$`) }) }).locator(".badge:not(.badge-demo)").innerText();
}
