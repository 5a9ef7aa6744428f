import { describe, expect, test } from "bun:test";
import { createWorld } from "../helpers/world";

// The portal warns when a browser reaches it over plain HTTP on a network address: the password
// and the session cookie then travel unencrypted (README, "HTTPS and reverse proxies").

const BANNER = ".banner-warn";

/** The banner's text on the first-run page (what a new admin sees first), or null. */
async function setupPage(w: ReturnType<typeof createWorld>, headers: Record<string, string>, ip = "192.0.2.10") {
  const res = await w.app.request("/setup", { headers }, { requestIP: () => ({ address: ip }) });
  const { parseHTML } = await import("linkedom");
  return parseHTML(await res.text()).document.querySelector(BANNER)?.textContent?.replace(/\s+/g, " ").trim() ?? null;
}

describe("the plain-HTTP warning", () => {
  test("shows on a network address over http", async () => {
    const w = createWorld();
    expect(await setupPage(w, { host: "192.0.2.1:48080" })).toContain("This portal is served over plain HTTP");
    expect(await setupPage(w, { host: "lts.example.lan" })).toContain("--tls-cert/--tls-key or behind an HTTPS reverse proxy");
  });

  test("does not show on localhost (a secure context for browsers)", async () => {
    const w = createWorld();
    for (const host of ["localhost:48080", "127.0.0.1:48080", "[::1]:48080"]) expect(await setupPage(w, { host }, "127.0.0.1")).toBeNull();
  });

  test("does not show with our own TLS", async () => {
    const w = createWorld({ flags: { tlsCert: "cert.pem", tlsKey: "key.pem" } });
    expect(await setupPage(w, { host: "192.0.2.1:48080" })).toBeNull();
  });

  test("behind a trusted proxy it follows X-Forwarded-Proto; an untrusted peer cannot hide it", async () => {
    const w = createWorld({ flags: { trustProxy: "192.0.2.5" } });
    expect(await setupPage(w, { host: "lts.example.com", "x-forwarded-proto": "https", "x-forwarded-for": "198.51.100.1" }, "192.0.2.5")).toBeNull();
    expect(await setupPage(w, { host: "lts.example.com", "x-forwarded-proto": "http", "x-forwarded-for": "198.51.100.1" }, "192.0.2.5")).toContain("plain HTTP");
    expect(await setupPage(w, { host: "lts.example.com", "x-forwarded-proto": "https" }, "192.0.2.66")).toContain("plain HTTP");
  });
});
