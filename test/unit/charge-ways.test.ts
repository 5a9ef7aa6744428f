import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { CAPACITY_STAGE, checkItemFit, consumptionCap, deviceLimit, licenseYear, validUntil, yearlyAllowance, type CheckableItem, type ItemAsk } from "../../src/domain/charge-ways";
import { compareByDefaultOrder, defaultOrder, type OrderableItem } from "../../src/domain/consumption-order";
import { FailureLimiter } from "../../src/domain/request-limiter";
import { DAY_MS, isoTime, parseSlot, SLOT_MS, slotOf } from "../../src/domain/slots";
import { domainMatches, requestDomain } from "../../src/services/authorization/resolve-code";
import { recordsHash } from "../../src/services/authorization/report";

// PROTOCOL.md, "Charge-way arithmetic" (q = quantity, round = half up), "validUntil", slots and
// the order of an item's checks, as plain functions.

const MAX = BigInt(Number.MAX_SAFE_INTEGER);
/** q + round_half_up(q × percent / 100), exactly. */
const exact = (q: number, percent: number) => BigInt(q) + (BigInt(q) * BigInt(percent) + 50n) / 100n;
const quantity = fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }));

describe("tolerances, rounded half up", () => {
  test("device: q + round(q × 10 %) — 1→1, 4→4, 5→6, 10→11, 14→15, 15→17, 25→28", () => {
    expect([1, 4, 5, 10, 14, 15, 25].map(deviceLimit)).toEqual([1, 4, 6, 11, 15, 17, 28]);
  });

  test("scan and page: q + round(q × 5 %) — 1→1, 9→9, 10→11, 30→32, 100→105", () => {
    expect([1, 9, 10, 30, 100].map(consumptionCap)).toEqual([1, 9, 11, 32, 105]);
  });

  test("are exact for every quantity a license may carry (up to 2^53 − 1), where the result is a safe integer", () => {
    for (const q of [7337095300991794, 7071193246552829, 8057896371690094]) {
      expect(BigInt(deviceLimit(q))).toBe(exact(q, 10));
      expect(BigInt(consumptionCap(q))).toBe(exact(q, 5));
    }
    fc.assert(
      fc.property(quantity, (q) => {
        if (exact(q, 10) <= MAX) expect(BigInt(deviceLimit(q))).toBe(exact(q, 10));
        if (exact(q, 5) <= MAX) expect(BigInt(consumptionCap(q))).toBe(exact(q, 5));
      }),
      { numRuns: 2000 },
    );
  });

  test("grow with q and never fall below it", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 40 }), (q) => {
        expect(deviceLimit(q)).toBeGreaterThanOrEqual(q);
        expect(deviceLimit(q + 1)).toBeGreaterThanOrEqual(deviceLimit(q));
        expect(consumptionCap(q + 1)).toBeGreaterThanOrEqual(consumptionCap(q));
      }),
    );
  });

  test("the concurrent allowance is 1000 × q a license year", () => {
    expect(yearlyAllowance(5)).toBe(5000);
  });
});

describe("license years count from activation", () => {
  const activated = Date.parse("2026-11-02T00:00:00.000Z");
  test("year 0 for the first 365 days, then 1, 2 …; never negative", () => {
    expect(licenseYear(activated, activated)).toBe(0);
    expect(licenseYear(activated, activated + 365 * DAY_MS - 1)).toBe(0);
    expect(licenseYear(activated, activated + 365 * DAY_MS)).toBe(1);
    expect(licenseYear(activated, activated + 730 * DAY_MS)).toBe(2);
    expect(licenseYear(activated, activated - DAY_MS)).toBe(0);
  });
});

describe("validUntil", () => {
  const now = Date.parse("2026-11-28T12:01:30.000Z");
  const far = Date.parse("2030-01-01T00:00:00.000Z");
  test("per charge way: device active-until, scan/page +3 days, concurrent the end of the next slot, domain +7 days", () => {
    expect(validUntil("device", { now, servesUntil: far, deviceActiveUntil: now + 30 * DAY_MS })).toBe(now + 30 * DAY_MS);
    expect(validUntil("scan", { now, servesUntil: far })).toBe(now + 3 * DAY_MS);
    expect(validUntil("page", { now, servesUntil: far })).toBe(now + 3 * DAY_MS);
    expect(isoTime(validUntil("concurrent-device", { now, servesUntil: far }))).toBe("2026-11-28T12:06:00.000Z");
    expect(isoTime(validUntil("concurrent-instance", { now, servesUntil: far }))).toBe("2026-11-28T12:06:00.000Z");
    expect(validUntil("domain", { now, servesUntil: far })).toBe(now + 7 * DAY_MS);
  });

  test("is never past expiry + grace, and never before now while the item serves", () => {
    const ways = ["device", "scan", "page", "concurrent-device", "concurrent-instance", "domain"] as const;
    fc.assert(
      fc.property(fc.constantFrom(...ways), fc.integer({ min: 0, max: 2 ** 42 }), fc.integer({ min: 1, max: 400 * DAY_MS }), fc.integer({ min: 1, max: 365 }), (way, t, ahead, window) => {
        const servesUntil = t + ahead;
        const until = validUntil(way, { now: t, servesUntil, deviceActiveUntil: t + window * DAY_MS });
        expect(until).toBeLessThanOrEqual(servesUntil);
        expect(until).toBeGreaterThan(t);
      }),
    );
  });
});

describe("slots", () => {
  test("a slot is named by its start: a minute divisible by 3, seconds and milliseconds zero", () => {
    expect(parseSlot("2026-11-28T12:03:00.000Z")).toBe(Date.parse("2026-11-28T12:03:00.000Z"));
    for (const bad of ["2026-11-28T12:01:00.000Z", "2026-11-28T12:03:00.001Z", "2026-11-28T12:03:00Z", "2026-11-28T12:03:00.000+00:00", "2026-02-30T12:03:00.000Z", "2026-11-28 12:03:00.000Z", ""]) {
      expect(parseSlot(bad), bad).toBeNull();
    }
  });

  test("every instant falls in the slot that starts at or before it, 3 minutes long; only slot starts parse", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Date.parse("2200-01-01T00:00:00.000Z") }), (ms) => {
        const slot = slotOf(ms);
        expect(slot).toBeLessThanOrEqual(ms);
        expect(ms - slot).toBeLessThan(SLOT_MS);
        expect(parseSlot(isoTime(slot))).toBe(slot);
        if (ms !== slot) expect(parseSlot(isoTime(ms))).toBeNull();
      }),
    );
  });
});

describe("an item's checks come in the protocol's order", () => {
  const item: CheckableItem = {
    product: "dbr",
    version: 10,
    edition: "javascript",
    deploymentTypes: ["browser"],
    modules: ["qr"],
    chargeWay: "concurrent-instance",
    quantity: 2,
    startsAt: Date.parse("2026-01-01T00:00:00.000Z"),
    expiresAt: Date.parse("2027-01-01T00:00:00.000Z"),
    graceDays: 7,
    revokedAt: null,
  };
  const ask: ItemAsk = { product: "dbr", version: 10, edition: "javascript", deploymentType: "browser", chargeWay: "auto", modules: ["qr"], instances: 1 };
  const now = Date.parse("2026-11-28T12:00:00.000Z");

  // Each way to fail one check, in PROTOCOL.md's order (modules, which it leaves unplaced, after edition).
  const failures: [number, (i: CheckableItem, a: ItemAsk) => [CheckableItem, ItemAsk, number?]][] = [
    [106, (i, a) => [i, { ...a, product: "dlr" }]],
    [107, (i, a) => [i, { ...a, version: 9 }]],
    [108, (i, a) => [i, { ...a, deploymentType: "server" }]],
    [109, (i, a) => [i, { ...a, edition: "dotnet" }]],
    [104, (i, a) => [i, { ...a, modules: ["pdf417"] }]],
    [115, (i, a) => [i, { ...a, chargeWay: "device" }]],
    [112, (i, a) => [{ ...i, startsAt: now + 1, expiresAt: Math.max(i.expiresAt, now + 2) }, a]],
    [113, (i, a) => [{ ...i, revokedAt: now - 1 }, a]],
    [111, (i, a) => [{ ...i, expiresAt: Math.min(i.expiresAt, now - 7 * DAY_MS), startsAt: Math.min(i.startsAt, now - 8 * DAY_MS) }, a]],
    [130, (i, a) => [i, { ...a, instances: 3 }]],
  ];

  test("an item that fits passes every check", () => {
    expect(checkItemFit(item, ask, now)).toBeNull();
  });

  test("with any set of failures, the first in order decides, and its stage grows with the order", () => {
    fc.assert(
      fc.property(fc.subarray(failures.map((_, k) => k), { minLength: 1 }), (picked) => {
        // 112 (not yet started) and 111 (expired) cannot hold at once: keep the earlier.
        const chosen = picked.includes(6) ? picked.filter((k) => k !== 8) : picked;
        let [i, a] = [item, ask];
        for (const k of chosen) [i, a] = failures[k]![1](i, a);
        const misfit = checkItemFit(i, a, now);
        expect(misfit?.code as number | undefined).toBe(failures[chosen[0]!]![0]);
        expect(misfit!.stage).toBe(chosen[0]!);
        expect(misfit!.stage).toBeLessThan(CAPACITY_STAGE);
      }),
    );
  });

  test("expiry is exclusive at expiry + grace", () => {
    const expiring = { ...item, expiresAt: now - 7 * DAY_MS + 1 };
    expect(checkItemFit(expiring, ask, now)).toBeNull();
    expect(checkItemFit(expiring, ask, now + 1)?.code).toBe(111);
  });
});

describe("the default consumption order", () => {
  const orderable = fc.record({
    itemId: fc.integer({ min: 1, max: 9_999_999 }).map(String),
    expiresAt: fc.integer({ min: 0, max: 5 }).map((d) => new Date(Date.UTC(2027, 0, 1 + d))),
    deploymentTypes: fc.subarray(["browser", "server", "desktop"]),
    modules: fc.subarray(["qr", "oned", "pdf417"]),
  });

  test("does not depend on the order the items come in", () => {
    fc.assert(
      fc.property(fc.uniqueArray(orderable, { selector: (i) => i.itemId, maxLength: 8 }), fc.nat(), (items, seed) => {
        const shuffled = [...items].sort((a, b) => ((Number(a.itemId) * 7919 + seed) % 101) - ((Number(b.itemId) * 7919 + seed) % 101));
        expect(defaultOrder(shuffled).map((i) => i.itemId)).toEqual(defaultOrder(items).map((i) => i.itemId));
      }),
    );
  });

  test("nearest expiry, then fewer deployment types, then fewer modules (none = all, the widest), then item id", () => {
    const i = (itemId: string, day: number, deploymentTypes: string[], modules: string[]): OrderableItem => ({ itemId, expiresAt: new Date(Date.UTC(2027, 0, day)), deploymentTypes, modules });
    const items = [i("9", 2, ["browser"], ["qr"]), i("8", 1, ["browser", "server"], ["qr"]), i("7", 1, ["browser"], []), i("6", 1, ["browser"], ["qr", "oned"]), i("10", 1, ["browser"], ["qr", "oned"])];
    expect([...items].sort(compareByDefaultOrder).map((x) => x.itemId)).toEqual(["6", "10", "7", "8", "9"]);
  });
});

describe("domains", () => {
  const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
  test("a domain matches itself and its subdomains, never a name that merely ends the same", () => {
    fc.assert(
      fc.property(label, label, label, (sub, name, tld) => {
        const allowed = `${name}.${tld}`;
        expect(domainMatches(allowed, allowed)).toBe(true);
        expect(domainMatches(`${sub}.${allowed}`, allowed)).toBe(true);
        expect(domainMatches(`${sub}${allowed}`, allowed)).toBe(false);
        expect(domainMatches(allowed, `*.${allowed}`)).toBe(true);
      }),
    );
  });

  test("the request's domain is its Origin's host, else what the client says (lower case, no trailing dot)", () => {
    expect(requestDomain("https://App.Example.com:8443", "other.test")).toBe("app.example.com");
    expect(requestDomain(null, "Shop.Example.com.")).toBe("shop.example.com");
    expect(requestDomain(null, undefined)).toBeNull();
    expect(requestDomain("not a url", "example.com")).toBeNull();
  });
});

describe("the wrong-password limiter", () => {
  test("allows 9 failures a minute, refuses from the 10th until the oldest is a minute old, per source", () => {
    const limiter = new FailureLimiter();
    for (let t = 0; t < 9; t++) limiter.failed("a", t * 1000);
    expect(limiter.retryAfterSeconds("a", 9000)).toBe(0);
    limiter.failed("a", 9000);
    expect(limiter.retryAfterSeconds("a", 9000)).toBe(51);
    expect(limiter.retryAfterSeconds("b", 9000)).toBe(0);
    expect(limiter.retryAfterSeconds("a", 59_999)).toBe(1);
    expect(limiter.retryAfterSeconds("a", 60_000)).toBe(0);
  });

  test("tracks a bounded number of sources", () => {
    const limiter = new FailureLimiter(1, 60_000, 3);
    for (const s of ["a", "b", "c", "d"]) limiter.failed(s, 0);
    expect(limiter.retryAfterSeconds("a", 1)).toBe(0); // forgotten, oldest first
    expect(limiter.retryAfterSeconds("d", 1)).toBe(60);
  });
});

describe("a report's identity", () => {
  const counts = fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.nat(), { maxKeys: 5 });
  test("ignores the order of keys, and nothing else", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ slot: fc.constant("2026-11-28T12:00:00.000Z"), counts }), { minLength: 1, maxLength: 4 }), (records) => {
        const reversed = records.map((r) => ({ counts: Object.fromEntries(Object.entries(r.counts).reverse()), slot: r.slot }));
        expect(recordsHash(reversed)).toBe(recordsHash(records));
        const changed = records.map((r, i) => (i === 0 ? { ...r, counts: { ...r.counts, zzzzzzz: 1 } } : r));
        expect(recordsHash(changed)).not.toBe(recordsHash(records));
      }),
    );
  });
});
