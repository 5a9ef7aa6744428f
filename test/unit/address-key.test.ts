import { describe, expect, test } from "bun:test";
import { addressKey } from "../../src/domain/address-key";

describe("addressKey: what a per-source limit counts under", () => {
  test("an IPv4 address is its own key", () => {
    expect(addressKey("203.0.113.7")).toBe("203.0.113.7");
    expect(addressKey("203.0.113.8")).not.toBe(addressKey("203.0.113.7"));
  });

  test("IPv6 addresses in one /64 share a key, whatever their spelling", () => {
    const key = addressKey("2001:db8:1:2::1");
    expect(key).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:0DB8:0001:0002:ffff:ffff:ffff:ffff")).toBe(key);
    expect(addressKey("[2001:db8:1:2:aaaa::9]")).toBe(key);
    expect(addressKey("2001:db8:1:3::1")).not.toBe(key);
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
  });

  test("an IPv4-mapped IPv6 address counts as the IPv4 address", () => {
    expect(addressKey("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(addressKey("::FFFF:203.0.113.7")).toBe("203.0.113.7");
  });

  test("no address is one shared key", () => {
    expect(addressKey(null)).toBe("unknown");
    expect(addressKey(undefined)).toBe("unknown");
  });
});
