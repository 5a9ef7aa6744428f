// The statistics pages in a real browser, on the compiled binaries (npm run build): a license is
// imported with the CLI, clients authorize and report through the API, and the admin opens a
// code's statistics from Configurations, switches range and metric (the back button returns),
// opens a day's details (by counter, by device), exports the CSV, and opens an item's statistics
// from License Items. Any CSP violation, script error, failed request or 5xx fails the test.
// Screenshots land in test/artifacts/ (gitignored).
import { afterAll, expect } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { BINARY, runVendor, startBinary, type RunningBinary } from "../helpers/binary";
import { browserTest, launchChromium, watchForProblems } from "../helpers/browser-watch";
import { tempDir } from "../helpers/temp";

const TIMEOUT_MS = 120_000;
const PASSWORD = "statistics horse battery staple";
const CODE = "100200-stats";
const ARTIFACTS = resolve(import.meta.dir, "../artifacts");
const DAY_MS = 86_400_000;

let server: RunningBinary | undefined;
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function lts(args: string[], cwd: string, stdin?: string): Promise<string> {
  const child = Bun.spawn([BINARY, ...args], { cwd, stdin: stdin ? new TextEncoder().encode(stdin) : "ignore", stdout: "pipe", stderr: "pipe", env: { PATH: process.env.PATH ?? "" } });
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`lts ${args.join(" ")} failed (${code}): ${err || out}`);
  return out;
}

/** A data dir with a password, a machine UUID and an activated license: a scan item and a device item on CODE. */
async function preparedDataDir(): Promise<string> {
  const dir = tempDir("lts-e2e-stats-");
  const dataDir = join(dir, "lts-data");
  await lts(["set-password", "--stdin", "--data-dir", dataDir], dir, PASSWORD);
  const uuid = (await lts(["uuid", "generate", "--labels", "machine-id,mac", "--yes", "--data-dir", dataDir], dir)).match(/[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}/)![0];
  const now = Date.now();
  const item = (itemId: string, chargeWay: string, extra: object = {}) => ({
    itemId,
    description: `${chargeWay} item`,
    product: "dbr",
    version: 10,
    edition: "javascript",
    deploymentTypes: ["browser"],
    chargeWay,
    quantity: 1000,
    startsAt: new Date(now - 30 * DAY_MS).toISOString(),
    expiresAt: new Date(now + 365 * DAY_MS).toISOString(),
    modules: [] as string[],
    ...extra,
  });
  writeFileSync(
    join(dir, "spec.json"),
    JSON.stringify({ licenseId: "4001", alias: "stats", organizationId: "100200", licensee: "Stats Corp", items: [item("4001001", "scan", { modules: ["qr", "oned"] }), item("4001002", "device", { windowDays: 30 })] }),
  );
  for (const args of [["issue", "--spec", "spec.json", "--out", "new.lic", "--demo"], ["activate", "--license", "new.lic", "--uuid", uuid, "--out", "activated.lic", "--demo"]]) {
    const run = await runVendor(args, dir);
    if (run.code !== 0) throw new Error(`lts-vendor ${args[0]} failed: ${run.stderr}`);
  }
  await lts(["import", "activated.lic", "--code", "stats", "--data-dir", dataDir], dir);
  return dataDir;
}

/** Two devices authorize; one reports scans in this slot and earlier today (two hours ago, when the day is that old). */
async function makeUsage(base: string) {
  // Until the hardware labels are read, the API answers 100 (not ready) and /healthz is not 200.
  for (let i = 0; i < 400 && (await fetch(`${base}/healthz`)).status !== 200; i++) await Bun.sleep(50);
  const post = async (verb: string, body: object) => {
    const res = await fetch(`${base}/api/v1/${verb}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ nonce: `nonce-${crypto.randomUUID()}`, ...body }) });
    const answer = (await res.json()) as { ok: boolean };
    if (!answer.ok) throw new Error(`${verb}: ${JSON.stringify(answer)}`);
  };
  const request = { handshakeCode: CODE, product: "dbr", version: 10, edition: "javascript", deploymentType: "browser", chargeWay: "scan" };
  for (const uuid of ["stats-device-1", "stats-device-2"]) await post("authorize", { ...request, device: { uuid } });
  const now = Math.floor(Date.now() / 180_000) * 180_000;
  // Both on today's UTC day (the test opens that day's details): two hours ago, or the day's first slot when the day is younger.
  const earlier = Math.max(now - 40 * 180_000, Math.floor(now / 86_400_000) * 86_400_000);
  const slot = (at: number) => new Date(at).toISOString();
  await post("report", { handshakeCode: CODE, itemId: "4001001", device: { uuid: "stats-device-1" }, reportId: "stats-report-1", records: [{ slot: slot(earlier), counts: { qr: 7, oned: 2 } }, { slot: slot(now), counts: { qr: 3 } }] });
}

async function shot(page: Page, name: string) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
}

browserTest(
  "a code's statistics from Configurations: range, metric, a day's details, CSV; an item's from License Items; no CSP violation",
  async () => {
    const dataDir = await preparedDataDir();
    server = await startBinary({ dataDir });
    const base = server.url;
    await makeUsage(base);
    browser = await launchChromium();
    const page = await browser.newPage({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(15_000);
    const problems = await watchForProblems(page);
    const query = () => new URL(page.url()).searchParams;
    const today = new Date().toISOString().slice(0, 10);
    try {
      await page.goto(`${base}/login`);
      await page.fill('input[name="password"]', PASSWORD);
      await page.getByRole("button", { name: "Log in" }).click();
      await page.waitForURL((url) => url.pathname === "/");

      await page.goto(`${base}/configurations`);
      await page.getByRole("link", { name: `Statistics of ${CODE}` }).click();
      await page.waitForURL((url) => url.pathname === `/statistics/code/${CODE}`);
      expect(await page.locator("h1").innerText()).toBe(`Statistics of handshake code ${CODE}`);
      await page.locator("#stats-chart canvas").first().waitFor(); // uPlot drew the chart
      expect(await page.locator(".stats-chart-head h2").innerText()).toContain("12");
      await shot(page, "statistics-code.png");

      await page.getByRole("link", { name: "Last 7 days" }).click();
      await page.waitForURL((url) => url.searchParams.get("range") === "7d");
      await page.getByRole("link", { name: "Authorizations" }).click();
      await page.waitForURL((url) => url.searchParams.get("metric") === "authorizations");
      await page.locator("#stats-chart canvas").first().waitFor();
      expect(await page.locator(".stats-table tbody tr").last().locator("td").allInnerTexts()).toEqual(["2", "0"]);
      await shot(page, "statistics-authorizations.png");
      await page.goBack();
      await page.waitForURL((url) => url.searchParams.get("metric") === "consumption" && url.searchParams.get("range") === "7d");

      // A day's details: swapped in by htmx, and the URL names the day.
      await page.locator(".stats-table").getByRole("link", { name: today }).click();
      await page.locator("#stats-details h2").waitFor();
      expect(await page.locator("#stats-details h2").innerText()).toBe(`${today} details`);
      expect(query().get("day")).toBe(today);
      expect(await page.locator("#stats-details tfoot td").innerText()).toBe("12");
      await page.locator("#stats-details").getByRole("link", { name: "By counter" }).click();
      await page.waitForURL((url) => url.searchParams.get("group") === "counter");
      expect(await page.locator("#stats-details tbody th").allInnerTexts()).toEqual(["qr", "oned"]);
      await shot(page, "statistics-day.png");

      const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: `Export the details of ${today} as CSV` }).click()]);
      const csv = readFileSync((await download.path())!, "utf8").split("\r\n");
      expect(csv[0]).toBe("counter,Units");
      expect(csv.slice(1, 3)).toEqual(["qr,10", "oned,2"]);

      // The same day by device: each device's row, the day's devices and units under them.
      await page.locator("#stats-details").getByRole("link", { name: "By device" }).click();
      await page.waitForURL((url) => url.searchParams.get("group") === "device");
      await page.locator("#stats-details table.stats-devices").waitFor();
      expect(await page.locator("#stats-details tbody th").allInnerTexts()).toEqual(["stats-device-1", "stats-device-2"]);
      expect(await page.locator("#stats-details tfoot td").allInnerTexts()).toEqual(["2 devices", "", "", "", "12", "", ""]);
      await shot(page, "statistics-devices.png");

      await page.goto(`${base}/license-items`);
      await page.getByRole("link", { name: "Usage of item 4001001" }).click();
      await page.waitForURL((url) => url.pathname.startsWith("/statistics/item/"));
      expect(await page.locator("h1").innerText()).toBe("Statistics of item 4001001");
      expect(await page.locator(".stats-card .used").innerText()).toContain("12 of 1,000 scans used");
      await page.locator("#stats-chart canvas").first().waitFor();
      // Clicking the chart opens a day's details too.
      const box = (await page.locator("#stats-chart .u-over").boundingBox())!;
      await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2);
      await page.mouse.click(box.x + box.width - 2, box.y + box.height / 2);
      await page.waitForURL((url) => url.searchParams.get("day") === today);
      await page.locator("#stats-details h2").waitFor();
      await shot(page, "statistics-item.png");
    } finally {
      if (problems.length > 0) console.error(`browser problems:\n  ${problems.join("\n  ")}`);
    }
    expect(problems).toEqual([]);
  },
  TIMEOUT_MS,
);
