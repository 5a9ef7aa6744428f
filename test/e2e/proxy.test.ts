// Behind a reverse proxy on a sub-path (README, "HTTPS and reverse proxies"): Debian's nginx, started
// by the test with its own config (TLS with an openssl certificate, `location /lts/` proxied to the
// compiled binary run with --base-path /lts --trust-proxy 127.0.0.1), and the portal driven through
// it in chromium: first-run setup, login, License Items, Configurations, an htmx form, logout. Every
// request stays under https://localhost:PORT/lts/, the session cookie is Secure with Path=/lts, and
// any CSP violation, script error, failed request or 5xx fails the test.
import { afterAll, expect } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { startBinary, type RunningBinary } from "../helpers/binary";
import { browserTest, launchChromium, setPasswordAndLogIn, watchForProblems } from "../helpers/browser-watch";
import { tempDir } from "../helpers/temp";
import { makeTestCertificate } from "../helpers/tls";

const TIMEOUT_MS = 90_000;
const PASSWORD = "proxy horse battery staple";
const NGINX = Bun.which("nginx") ?? (Bun.which("nginx", { PATH: "/usr/sbin:/sbin" }) || null);

let server: RunningBinary | undefined;
let nginx: ReturnType<typeof Bun.spawn> | undefined;
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
  nginx?.kill("SIGQUIT");
  await nginx?.exited;
  await server?.stop();
});

/** A port free right now on 127.0.0.1 (nginx takes it a moment later). */
function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

/** Starts nginx in the foreground with a config of its own in `dir`: https on 127.0.0.1:port, /lts/ to the server. */
async function startNginx(dir: string, port: number, upstreamPort: number): Promise<ReturnType<typeof Bun.spawn>> {
  if (!NGINX) throw new Error("nginx is missing: apt-get install -y nginx (.ci/run installs it)");
  const cert = makeTestCertificate(dir);
  for (const sub of ["tmp", "logs"]) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(
    join(dir, "nginx.conf"),
    `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 64; }
http {
  access_log ${dir}/logs/access.log;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  server {
    listen 127.0.0.1:${port} ssl;
    server_name localhost;
    ssl_certificate ${cert.certFile};
    ssl_certificate_key ${cert.keyFile};
    location /lts/ {
      proxy_pass http://127.0.0.1:${upstreamPort}/lts/;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto https;
      proxy_set_header X-Forwarded-Host $http_host;
    }
  }
}
`,
  );
  const child = Bun.spawn([NGINX, "-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "logs/error.log"), "-g", "daemon off;"], { stdout: "pipe", stderr: "pipe" });
  for (let i = 0; i < 100; i++) {
    const up = await fetch(`https://localhost:${port}/lts/healthz`, { tls: { ca: cert.ca } } as RequestInit).then(
      () => true,
      () => false,
    );
    if (up) return child;
    if (child.exitCode !== null) break;
    await Bun.sleep(100);
  }
  child.kill();
  throw new Error(`nginx did not start:\n${readFileSync(join(dir, "logs/error.log"), "utf8")}`);
}

browserTest(
  "through nginx on https://localhost/lts/: setup, login, License Items, Configurations, an htmx form and logout stay under /lts/",
  async () => {
    server = await startBinary({ args: ["--base-path", "/lts", "--trust-proxy", "127.0.0.1"] });
    expect(server.url).toMatch(/\/lts$/);
    const nginxDir = tempDir("lts-nginx-");
    const port = freePort();
    nginx = await startNginx(nginxDir, port, server.port);
    const base = `https://localhost:${port}/lts`;

    browser = await launchChromium();
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const problems = await watchForProblems(page);
    const requested: string[] = [];
    page.on("request", (request) => requested.push(request.url()));
    const at = (path: string) => (url: URL) => url.href === `${base}${path}`;

    try {
      await page.goto(`${base}/`);
      await page.waitForURL(at("/setup"));
      expect(await heading(page)).toBe("Set the management password");
      expect(await page.locator(".banner-warn").count()).toBe(0); // https through the proxy
      await setPasswordAndLogIn(page, at, server.setupToken!, PASSWORD);
      expect(await heading(page)).toBe("Home");

      const cookies = await context.cookies();
      const session = cookies.find((c) => c.name.endsWith("lts_session"));
      expect(session).toMatchObject({ name: "lts_session", path: "/lts", secure: true, httpOnly: true, sameSite: "Strict" });

      for (const [label, path] of [
        ["License Items", "/license-items"],
        ["Configurations", "/configurations"],
      ]) {
        await page.locator("nav.sidebar ul.menu").getByRole("link", { name: label, exact: true }).click();
        await page.waitForURL(at(path!));
        expect(await heading(page)).toBe(label!);
      }

      // An htmx form: a wrong current password comes back as a swapped-in field error.
      await page.locator("nav.sidebar ul.menu").getByRole("link", { name: "Change Password", exact: true }).click();
      await page.waitForURL(at("/change-password"));
      await page.fill('input[name="currentPassword"]', "not the current password");
      await page.fill('input[name="newPassword"]', "another horse battery staple");
      await page.fill('input[name="confirmPassword"]', "another horse battery staple");
      await page.getByRole("button", { name: "Change password" }).click();
      await page.locator("#field-currentPassword-error").waitFor();
      expect(await page.locator("#field-currentPassword-error").textContent()).toBe("This is not the current password.");

      await page.getByRole("button", { name: "Log out" }).click();
      await page.waitForURL(at("/login?notice=logged-out"));
      expect((await context.cookies()).filter((c) => c.name.endsWith("lts_session"))).toEqual([]);

      const outside = requested.filter((url) => !url.startsWith(`${base}/`));
      expect(outside).toEqual([]);
      expect(requested.length).toBeGreaterThan(10);
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
