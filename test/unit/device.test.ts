import { describe, expect, test } from "bun:test";
import { releaseBlocked } from "../../src/domain/device";

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
