// HTTPS built in (README, "HTTPS and reverse proxies"): the compiled binary (npm run build) with
// --tls-cert/--tls-key and a self-signed certificate made by openssl, fetched over https with that
// certificate as the only trusted CA.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startBinary, type RunningBinary } from "../helpers/binary";
import { tempDir } from "../helpers/temp";
import { makeTestCertificate, type TestCertificate } from "../helpers/tls";

const PASSWORD = "https horse battery staple";

let server: RunningBinary;
let cert: TestCertificate;

beforeAll(async () => {
  cert = makeTestCertificate(tempDir("lts-tls-"));
  server = await startBinary({ args: ["--tls-cert", cert.certFile, "--tls-key", cert.keyFile] });
});
afterAll(() => server?.stop());

/** A request over https to localhost, trusting only the test certificate. */
function get(path: string, init: RequestInit = {}) {
  const url = `https://localhost:${server.port}${path}`;
  return fetch(url, { redirect: "manual", ...init, tls: { ca: cert.ca } } as RequestInit);
}

const hiddenCsrf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";

describe("--tls-cert / --tls-key", () => {
  test("the server says it listens on https", () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  test("/healthz answers over https, and the certificate is the one given", async () => {
    const res = await get("/healthz");
    expect([200, 503]).toContain(res.status);
    expect(await res.json()).toMatchObject({ version: expect.any(String) });
  });

  test("an untrusted certificate is refused by a client that checks (it is really TLS)", async () => {
    await expect(fetch(`https://localhost:${server.port}/healthz`)).rejects.toThrow();
  });

  test("plain http on the TLS port gets no portal", async () => {
    const answer = await fetch(`http://127.0.0.1:${server.port}/healthz`).then(
      (r) => r.status,
      () => "refused",
    );
    expect(answer).not.toBe(200);
  });

  test("set up, log in: the session cookie is __Host- prefixed and Secure; no plain-HTTP banner", async () => {
    const setupPage = await get("/setup");
    expect(setupPage.status).toBe(200);
    const origin = `https://localhost:${server.port}`;
    const form = (fields: Record<string, string>, csrf: string) => ({
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin },
      body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
    });
    const setupHtml = await setupPage.text();
    expect(setupHtml).not.toContain("served over plain HTTP");
    const setup = await get("/setup", form({ token: server.setupToken!, password: PASSWORD, confirmPassword: PASSWORD }, hiddenCsrf(setupHtml)));
    expect(setup.status).toBe(303);

    const loginPage = await get("/login");
    const login = await get("/login", form({ password: PASSWORD }, hiddenCsrf(await loginPage.text())));
    expect(login.status).toBe(303);
    const cookie = login.headers.getSetCookie().find((c) => c.includes("lts_session="));
    expect(cookie).toMatch(/^__Host-lts_session=/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; Path=\//);

    const home = await get("/", { headers: { cookie: cookie!.split(";")[0]! } });
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toContain("<h1>Home</h1>");
    expect(html).not.toContain("served over plain HTTP");
  });
});
