import { describe, expect, test } from "bun:test";
import { forwardedClient, parseTrustedProxies, trustedProxyProblem } from "../../src/domain/trusted-proxies";

describe("trusted proxies", () => {
  test("single IPv4 addresses and IPv4 CIDRs, also as IPv4-mapped IPv6 peers", () => {
    const p = parseTrustedProxies("127.0.0.1, 10.0.0.0/8,192.168.1.128/25");
    expect(p.entries).toEqual(["127.0.0.1", "10.0.0.0/8", "192.168.1.128/25"]);
    for (const yes of ["127.0.0.1", "10.0.0.0", "10.255.255.255", "192.168.1.128", "192.168.1.255", "::ffff:10.1.2.3", "::FFFF:127.0.0.1"]) expect(p.includes(yes), yes).toBe(true);
    for (const no of ["127.0.0.2", "11.0.0.1", "9.255.255.255", "192.168.1.127", "::1", "::ffff:11.0.0.1", "", null, "not-an-ip", "10.0.0.1.5"]) expect(p.includes(no), String(no)).toBe(false);
  });

  test("IPv6 addresses and CIDRs, compressed or not", () => {
    const p = parseTrustedProxies("::1,fd00::/8,2001:db8:0:1::/64,2001:db8::1:2:3:4/127");
    for (const yes of ["::1", "0:0:0:0:0:0:0:1", "fd12:3456::1", "2001:db8:0:1:ffff:ffff:ffff:ffff", "2001:DB8:0:1::5", "2001:db8::1:2:3:5"]) expect(p.includes(yes), yes).toBe(true);
    for (const no of ["::2", "fe00::1", "2001:db8:0:2::1", "2001:db8::1:2:3:6", "127.0.0.1", "1::2::3"]) expect(p.includes(no), no).toBe(false);
  });

  test("an IPv4 /0 is every IPv4 address but no IPv6 one; ::/0 is everything", () => {
    expect(parseTrustedProxies("0.0.0.0/0").includes("203.0.113.9")).toBe(true);
    expect(parseTrustedProxies("0.0.0.0/0").includes("2001:db8::1")).toBe(false);
    expect(parseTrustedProxies("::/0").includes("2001:db8::1")).toBe(true);
  });

  test("an empty list trusts nobody", () => {
    expect(parseTrustedProxies("").includes("127.0.0.1")).toBe(false);
    expect(parseTrustedProxies(" , ").entries).toEqual([]);
  });

  test("bad entries are named", () => {
    for (const bad of ["true", "1", "10.0.0.0/33", "::/129", "10.0.0/8", "256.1.1.1", "10.0.0.0/8/1", "10.0.0.0/x", "proxy.example", "1::2::3", "fe80::1%eth0"]) {
      expect(trustedProxyProblem(bad), bad).toContain(`"${bad}"`);
      expect(() => parseTrustedProxies(`127.0.0.1,${bad}`)).toThrow(bad);
    }
    expect(trustedProxyProblem("10.0.0.0/8")).toBeNull();
  });
});

describe("the client behind trusted proxies", () => {
  const proxies = parseTrustedProxies("127.0.0.1,10.0.0.0/8");

  test("from an untrusted peer the forwarded header is ignored", () => {
    expect(forwardedClient(proxies, "203.0.113.5", "198.51.100.1")).toBe("203.0.113.5");
  });

  test("from a trusted peer, the right-most address that is not a proxy", () => {
    expect(forwardedClient(proxies, "127.0.0.1", "198.51.100.1")).toBe("198.51.100.1");
    // The client's own claim (left) is ignored; the proxies' entries (right) are skipped.
    expect(forwardedClient(proxies, "127.0.0.1", "1.1.1.1, 198.51.100.1, 10.0.0.7")).toBe("198.51.100.1");
    expect(forwardedClient(proxies, "10.0.0.3", "2001:db8::9")).toBe("2001:db8::9");
  });

  test("ports and brackets are dropped", () => {
    expect(forwardedClient(proxies, "127.0.0.1", "198.51.100.1:4711")).toBe("198.51.100.1");
    expect(forwardedClient(proxies, "127.0.0.1", "[2001:db8::9]:4711")).toBe("2001:db8::9");
  });

  test("no header, garbage, or nothing but proxies: the last genuine address", () => {
    expect(forwardedClient(proxies, "127.0.0.1", null)).toBe("127.0.0.1");
    expect(forwardedClient(proxies, "127.0.0.1", "")).toBe("127.0.0.1");
    expect(forwardedClient(proxies, "127.0.0.1", "10.0.0.9, 10.0.0.8")).toBe("10.0.0.9");
    expect(forwardedClient(proxies, "127.0.0.1", "198.51.100.1, <script>")).toBe("127.0.0.1");
    expect(forwardedClient(proxies, "127.0.0.1", "unknown, 10.0.0.8")).toBe("10.0.0.8");
    expect(forwardedClient(proxies, null, "198.51.100.1")).toBeNull();
  });
});
