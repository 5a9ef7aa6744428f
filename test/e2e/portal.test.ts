// The portal in a real browser: the compiled binary (npm run build) driven through Debian's
// chromium by playwright-core. Any CSP violation, script error or failed request fails the test.
// Screenshots of the setup and Home pages land in dist/screenshots/.
import { afterAll, expect } from "bun:test";
import type { Page } from "playwright-core";
import { browserTest, openPortalSession, screenshot, type PortalSession } from "../helpers/browser-watch";

const TIMEOUT_MS = 60_000;

const FIRST_PASSWORD = "first horse battery staple";
const NEW_PASSWORD = "second horse battery staple";

let session: PortalSession | undefined;
afterAll(() => session?.close());

browserTest(
  "first run, login, every menu page, password change and logout work in chromium without a CSP violation",
  async () => {
    session = await openPortalSession();
    const { server, page, problems, base, at } = session;
    const token = server.setupToken;
    expect(token).toMatch(/^[A-Za-z0-9_-]{32,}$/);

    try {
      // First run: every page leads to setup, which asks for the token from the console.
      await page.goto(`${base}/index`);
      await page.waitForURL(at("/setup"));
      expect(await heading(page)).toBe("Set the management password");
      await screenshot(page, "setup.png");
      await page.fill('input[name="token"]', token!);
      await page.fill('input[name="password"]', FIRST_PASSWORD);
      await page.fill('input[name="confirmPassword"]', FIRST_PASSWORD);
      await page.getByRole("button", { name: "Set password" }).click();
      await page.waitForURL(at("/login?notice=setup-done"));

      await logIn(page, FIRST_PASSWORD);
      await page.waitForURL(at("/"));
      expect(await heading(page)).toBe("Home");
      await screenshot(page, "home.png");

      // Every menu entry opens its page, marked as the current one.
      const menu = await page.locator("nav.sidebar ul.menu a").evaluateAll((links) =>
        links.map((a) => ({ label: a.textContent!.trim(), path: new URL((a as HTMLAnchorElement).href).pathname })),
      );
      expect(menu.map((entry) => entry.label)).toContain("Home");
      expect(menu.map((entry) => entry.label)).toContain("Change Password");
      for (const entry of menu) {
        const loaded = page.waitForEvent("load"); // also when the entry is the page we are on
        await page.locator("nav.sidebar ul.menu").getByRole("link", { name: entry.label, exact: true }).click();
        await loaded;
        expect(new URL(page.url()).pathname).toBe(entry.path);
        expect(await heading(page)).toBe(entry.label);
        const current = page.locator('nav.sidebar ul.menu a[aria-current="page"]');
        expect(await current.allTextContents()).toEqual([entry.label]);
      }

      // Change password: a wrong current password is refused in place, and the form still works.
      await page.goto(`${base}/change-password`);
      await fillPasswordChange(page, "not the current password", NEW_PASSWORD);
      const fieldError = page.locator("#field-currentPassword-error");
      await fieldError.waitFor();
      expect(await fieldError.textContent()).toBe("This is not the current password.");
      expect(await page.locator("#change-password-form .notice-error").textContent()).toBe("Please correct the fields marked below.");
      expect(page.url()).toBe(`${base}/change-password`);
      await fillPasswordChange(page, FIRST_PASSWORD, NEW_PASSWORD);
      await page.waitForURL(at("/change-password?ended=0"));
      expect(await page.locator(".notice-ok").textContent()).toContain("Password changed.");

      await page.getByRole("button", { name: "Log out" }).click();
      await page.waitForURL(at("/login?notice=logged-out"));
      expect(await page.locator(".notice-ok").textContent()).toBe("You are logged out.");

      // The old password no longer opens the portal; the new one does.
      await logIn(page, FIRST_PASSWORD);
      await page.locator("#field-password-error").waitFor();
      expect(new URL(page.url()).pathname).toBe("/login");
      await logIn(page, NEW_PASSWORD);
      await page.waitForURL(at("/"));
      expect(await heading(page)).toBe("Home");
    } finally {
      if (problems.length > 0) console.error(`browser problems:\n  ${problems.join("\n  ")}`);
    }
    expect(problems).toEqual([]);
  },
  TIMEOUT_MS,
);

function heading(page: Page): Promise<string> {
  return page.locator("h1").innerText();
}

async function logIn(page: Page, password: string) {
  await page.fill('input[name="password"]', password);
  await page.getByRole("button", { name: "Log in" }).click();
}

async function fillPasswordChange(page: Page, current: string, next: string) {
  await page.fill('input[name="currentPassword"]', current);
  await page.fill('input[name="newPassword"]', next);
  await page.fill('input[name="confirmPassword"]', next);
  await page.getByRole("button", { name: "Change password" }).click();
}
