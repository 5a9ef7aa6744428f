// Shared by the browser tests (test/e2e): Debian's chromium through playwright-core, and a watcher
// that collects everything that must never happen on a page.
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "bun:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { startBinary, type RunningBinary } from "./binary";

export const CHROMIUM = "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);
export const SCREENSHOTS = resolve(import.meta.dir, "../../dist/screenshots");

/** Headless chromium without sandbox, GPU or background traffic (so every request is the portal's). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/**
 * Collects what must never happen on a page: CSP violations (as the console reports them and as
 * `securitypolicyviolation` events), uncaught script errors, failed requests and 5xx answers.
 */
export async function watchForProblems(page: Page): Promise<string[]> {
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("requestfailed", (request) => {
    // ERR_ABORTED is the browser cancelling a request because the page moved on (htmx's
    // HX-Redirect navigates as the XHR completes; on a loaded machine Chromium can log the XHR
    // as aborted). It is not an answer of the server: those are caught below, by status.
    if (request.failure()?.errorText === "net::ERR_ABORTED") return;
    problems.push(`request failed: ${request.method()} ${request.url()} (${request.failure()?.errorText})`);
  });
  page.on("response", (response) => {
    if (response.status() >= 500) problems.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
  });
  // The listener arrives through CDP, not as inline script, so the CSP under test does not block it.
  await page.exposeFunction("reportCspViolation", (text: string) => problems.push(`CSP violation: ${text}`));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      const report = (window as unknown as { reportCspViolation(text: string): void }).reportCspViolation;
      report(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ${event.sourceFile}:${event.lineNumber}`);
    });
  });
  return problems;
}

/** A full-page screenshot in dist/screenshots/NAME. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, name), fullPage: true });
}

/** The compiled server on a fresh data dir, and a chromium page watched for problems. */
export interface PortalSession {
  server: RunningBinary;
  page: Page;
  /** What went wrong on the page so far (see watchForProblems). */
  problems: string[];
  /** The server's base URL, e.g. http://127.0.0.1:41234 */
  base: string;
  /** A predicate for page.waitForURL: the page is at this path and query. */
  at(path: string): (url: URL) => boolean;
  close(): Promise<void>;
}

export async function openPortalSession(): Promise<PortalSession> {
  const server = await startBinary();
  const browser = await launchChromium();
  const page = await browser.newPage();
  page.setDefaultTimeout(10_000);
  const problems = await watchForProblems(page);
  return {
    server,
    page,
    problems,
    base: server.url,
    at: (path) => (url) => url.pathname + url.search === path,
    close: async () => {
      await browser.close();
      await server.stop();
    },
  };
}

/**
 * First run in the browser: on the setup page, sets the management password with the setup token,
 * then logs in with it and waits for Home. `at` is the session's URL predicate.
 */
export async function setPasswordAndLogIn(page: Page, at: PortalSession["at"], token: string, password: string): Promise<void> {
  await page.fill('input[name="token"]', token);
  await page.fill('input[name="password"]', password);
  await page.fill('input[name="confirmPassword"]', password);
  await page.getByRole("button", { name: "Set password" }).click();
  await page.waitForURL(at("/login?notice=setup-done"));
  await page.fill('input[name="password"]', password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(at("/"));
}

/**
 * A browser test: skipped (with a hint) when chromium is missing locally, failing under CI=true,
 * where a missing browser is a broken install step.
 */
export function browserTest(name: string, run: () => Promise<void>, timeoutMs: number) {
  if (!hasChromium && !process.env.CI) console.log(`e2e skipped: ${CHROMIUM} is missing; install it with: apt-get install -y chromium`);
  test.skipIf(!hasChromium && !process.env.CI)(
    name,
    async () => {
      if (!hasChromium) throw new Error(`${CHROMIUM} is missing (CI is set): apt-get install -y chromium`);
      await run();
    },
    timeoutMs,
  );
}
