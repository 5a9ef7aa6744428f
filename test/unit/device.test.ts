import { describe, expect, test } from "bun:test";
import { isRepeatContact, releaseBlocked } from "../../src/domain/device";

const DAY = 86_400_000;
const seen = { chargeWay: "device", lastSeenAt: 1_000 * DAY, activeUntil: 2_000 * DAY };

describe("releasing a device item's seat", () => {
  test("is refused until exactly 7 silent days have passed, allowed from then on", () => {
    expect(releaseBlocked(seen, seen.lastSeenAt + 7 * DAY - 1)).toBe("can be released after 7 silent days (1 more)");
    expect(releaseBlocked(seen, seen.lastSeenAt + 6 * DAY)).toBe("can be released after 7 silent days (1 more)");
    expect(releaseBlocked(seen, seen.lastSeenAt + 7 * DAY)).toBeNull();
  });

  test("a concurrent seat can be released at once; a device with no seat cannot", () => {
    expect(releaseBlocked({ ...seen, chargeWay: "concurrent-device" }, seen.lastSeenAt)).toBeNull();
    expect(releaseBlocked(seen, seen.activeUntil)).toBe("holds no seat");
  });
});

describe("a repeat contact within the hour writes nothing (isRepeatContact)", () => {
  const HOUR = 3_600_000;
  const t0 = 1_000 * DAY + 5 * HOUR + 60_000; // 05:01
  const stored = { name: "scanner", lastSeenAt: t0, activeUntil: t0 + 365 * DAY, releasedAt: null, counted: true };
  const contact = { name: null, now: t0 + 58 * 60_000, activeUntil: t0 + 58 * 60_000 + 365 * DAY, counted: true }; // 05:59

  test("the same UTC hour, nothing new: no write", () => {
    expect(isRepeatContact(stored, contact)).toBe(true);
    expect(isRepeatContact(stored, { ...contact, name: "scanner" })).toBe(true);
    expect(isRepeatContact(stored, { ...contact, counted: false })).toBe(true);
  });

  test("the next hour is written, even a minute later", () => {
    expect(isRepeatContact(stored, { ...contact, now: t0 + 59 * 60_000, activeUntil: t0 + 59 * 60_000 + 365 * DAY })).toBe(false);
  });

  test("a new name, a release, or a seat not yet counted is written at once", () => {
    expect(isRepeatContact(stored, { ...contact, name: "front desk" })).toBe(false);
    expect(isRepeatContact({ ...stored, releasedAt: t0 }, contact)).toBe(false);
    expect(isRepeatContact({ ...stored, counted: false }, contact)).toBe(false);
  });

  test("a longer seat is written when it asks more than an hour past the stored end (a longer window, a re-import)", () => {
    expect(isRepeatContact(stored, { ...contact, activeUntil: stored.activeUntil + HOUR })).toBe(true);
    expect(isRepeatContact(stored, { ...contact, activeUntil: stored.activeUntil + HOUR + 1 })).toBe(false);
  });

  test("seats shorter than a day (a concurrent slot) get no slack: a later end is written", () => {
    const slot = { ...stored, activeUntil: t0 + 6 * 60_000, counted: false };
    expect(isRepeatContact(slot, { name: null, now: t0 + 60_000, activeUntil: t0 + 6 * 60_000, counted: false })).toBe(true);
    expect(isRepeatContact(slot, { name: null, now: t0 + 3 * 60_000, activeUntil: t0 + 9 * 60_000, counted: false })).toBe(false);
  });
});
