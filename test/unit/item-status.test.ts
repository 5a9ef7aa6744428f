import { describe, expect, test } from "bun:test";
import { itemStatus, servesUntil } from "../../src/domain/item-status";
import { usedOfTotal } from "../../src/domain/license-item";

const item = { startsAt: new Date("2026-01-01T00:00:00.000Z"), expiresAt: new Date("2027-01-01T00:00:00.000Z"), graceDays: 7, revokedAt: null };
const at = (iso: string) => new Date(iso);

describe("item status", () => {
  test("not yet valid before its start, active from the start", () => {
    expect(itemStatus(item, at("2025-12-31T23:59:59.999Z"))).toBe("not-yet-valid");
    expect(itemStatus(item, at("2026-01-01T00:00:00.000Z"))).toBe("active");
  });

  test("expiring soon within 30 days of expiry", () => {
    expect(itemStatus(item, at("2026-12-01T23:59:59.999Z"))).toBe("active");
    expect(itemStatus(item, at("2026-12-02T00:00:00.000Z"))).toBe("expiring-soon");
  });

  test("in grace from expiry for graceDays, then expired", () => {
    expect(itemStatus(item, at("2026-12-31T23:59:59.999Z"))).toBe("expiring-soon");
    expect(itemStatus(item, at("2027-01-01T00:00:00.000Z"))).toBe("in-grace");
    expect(itemStatus(item, at("2027-01-07T23:59:59.999Z"))).toBe("in-grace");
    expect(itemStatus(item, at("2027-01-08T00:00:00.000Z"))).toBe("expired");
    expect(servesUntil(item)).toEqual(at("2027-01-08T00:00:00.000Z"));
  });

  test("no grace means expired at expiry", () => {
    expect(itemStatus({ ...item, graceDays: 0 }, at("2027-01-01T00:00:00.000Z"))).toBe("expired");
  });

  test("revoked wins over every date", () => {
    expect(itemStatus({ ...item, revokedAt: at("2026-06-01T00:00:00.000Z") }, at("2026-06-02T00:00:00.000Z"))).toBe("revoked");
    expect(itemStatus({ ...item, revokedAt: at("2025-06-01T00:00:00.000Z") }, at("2025-06-02T00:00:00.000Z"))).toBe("revoked");
  });
});

describe("used of total", () => {
  test("whole per cent, rounded down, with thousands separated", () => {
    expect(usedOfTotal(0, 10)).toEqual({ percent: 0, text: "0 of 10 (0 %)" });
    expect(usedOfTotal(999, 1000)).toEqual({ percent: 99, text: "999 of 1,000 (99 %)" });
    expect(usedOfTotal(3, 10, "devices")).toEqual({ percent: 30, text: "3 of 10 devices (30 %)" });
    expect(usedOfTotal(1050, 1000).percent).toBe(105);
  });
});
