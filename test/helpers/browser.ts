import type { Hono } from "hono";
import { parseHTML } from "linkedom";
import type { AppEnv } from "../../src/http/env";

export const ORIGIN = "http://localhost";

/** What a response looked like, with its HTML parsed for selectors. */
export interface Page {
  res: Response;
  status: number;
  text: string;
  doc: Document;
  header(name: string): string | null;
}

/**
 * A tiny browser for app.request(): keeps cookies, sends the portal's own Origin, comes from a
 * given client address, and posts forms as htmx does (HX-Request) unless told otherwise.
 */
export class Browser {
  cookies = new Map<string, string>();
  constructor(
    private readonly app: Hono<AppEnv>,
    public ip = "192.0.2.10",
  ) {}

  get(path: string, headers: Record<string, string> = {}): Promise<Page> {
    return this.request(path, { method: "GET", headers });
  }

  /** Posts a form; `htmx: false` posts it as a plain browser form. */
  post(path: string, form: Record<string, string>, options: { htmx?: boolean; headers?: Record<string, string> } = {}): Promise<Page> {
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN, ...options.headers };
    if (options.htmx !== false) headers["hx-request"] = "true";
    return this.request(path, { method: "POST", headers, body: new URLSearchParams(form).toString() });
  }

  async request(path: string, init: RequestInit & { headers?: Record<string, string> }): Promise<Page> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const ip = this.ip;
    const res = await this.app.request(path, { ...init, headers }, { requestIP: () => ({ address: ip }) });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair] = cookie.split(";");
      const [name, value] = pair!.split("=");
      if (/Max-Age=0/i.test(cookie) || value === "") this.cookies.delete(name!);
      else this.cookies.set(name!, value!);
    }
    const text = await res.text();
    return { res, status: res.status, text, doc: parseHTML(text).document as unknown as Document, header: (n) => res.headers.get(n) };
  }
}

/** The visible text of the first element matching `selector`, squashed, or null. */
export function textOf(page: Page, selector: string): string | null {
  const el = page.doc.querySelector(selector);
  return el ? (el.textContent ?? "").replace(/\s+/g, " ").trim() : null;
}

export const PASSWORD = "correct horse battery staple";

/** Sets the first password through the setup page and logs in: the usual start of a test. */
export async function setUpAndLogIn(browser: Browser, setupToken: string, password = PASSWORD): Promise<void> {
  const setup = await browser.post("/setup", { token: setupToken, password, confirmPassword: password });
  if (setup.header("hx-redirect") === null) throw new Error(`setup failed: ${setup.status} ${setup.text.slice(0, 300)}`);
  const login = await browser.post("/login", { password });
  if (login.header("hx-redirect") === null) throw new Error(`login failed: ${login.status}`);
}
