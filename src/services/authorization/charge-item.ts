import { refuse, type Refusal } from "../../domain/api-errors";
import { consumptionCap, deviceLimit, DOMAIN_WINDOW_DAYS, licenseYear, validUntil, yearlyAllowance } from "../../domain/charge-ways";
import { DAY_MS, SLOT_MS, slotOf } from "../../domain/slots";
import type { ApiItem, UsageStore } from "../usage/usage-store";

export interface ChargeAsk {
  deviceUuid: string;
  deviceName: string | null;
  instances: number;
  domain: string | null;
}

/**
 * Takes the capacity an authorization needs from `item`, or refuses (120, or 104 for a domain
 * item asked without a domain). Reads and writes in the caller's transaction; writes only when
 * it grants. Returns the grant's validUntil (ms).
 */
export function chargeItem(store: UsageStore, item: ApiItem, ask: ChargeAsk, now: number): { validUntil: number } | Refusal {
  const servesUntil = item.expiresAt + item.graceDays * DAY_MS;
  const q = item.quantity;
  switch (item.chargeWay) {
    case "device": {
      const stored = store.contact(item.rowId, ask.deviceUuid);
      const known = (stored?.activeUntil ?? 0) > now;
      if (!known && store.activeDevices(item.rowId, now) >= deviceLimit(q)) {
        return refuse(120, `All ${q} device seats of item ${item.itemId} (and the 10 % tolerance) are in use.`);
      }
      // A known device's row is as read (activeDevices, which may un-count lapsed rows, did not run).
      const activeUntil = store.touchDevice(item.rowId, ask.deviceUuid, ask.deviceName, now, now + (item.windowDays ?? 365) * DAY_MS, true, known ? stored : undefined);
      return { validUntil: validUntil("device", { now, servesUntil, deviceActiveUntil: activeUntil }) };
    }
    case "concurrent-device":
    case "concurrent-instance": {
      const units = item.chargeWay === "concurrent-instance" ? ask.instances : 1;
      const slot = slotOf(now);
      const mine = store.seat(item.rowId, slot, ask.deviceUuid)?.instances ?? 0;
      const extra = Math.max(0, units - mine);
      let overAllowance = false;
      if (extra > 0) {
        const occupied = store.occupied(item.rowId, slot);
        const inUse = item.chargeWay === "concurrent-instance" ? occupied.instances : occupied.devices;
        const over = Math.min(extra, Math.max(0, inUse + extra - q));
        if (over > 0) {
          const year = licenseYear(item.activatedAt, now);
          if (store.allowanceUsed(item.rowId, year) + over > yearlyAllowance(q)) {
            return refuse(120, `All ${q} concurrent ${units > 1 || item.chargeWay === "concurrent-instance" ? "instances" : "seats"} of item ${item.itemId} are in use and this year's overuse allowance is spent.`);
          }
          store.drawAllowance(item.rowId, year, over);
          store.rollups.allowanceDrawn(item.rowId, now, over);
          overAllowance = true;
        }
      }
      // The grant holds this slot and the next one, unless the client releases it.
      store.putSeat(item.rowId, slot, ask.deviceUuid, units, overAllowance);
      store.putSeat(item.rowId, slot + SLOT_MS, ask.deviceUuid, units, false);
      const until = validUntil(item.chargeWay, { now, servesUntil });
      store.touchDevice(item.rowId, ask.deviceUuid, ask.deviceName, now, until);
      return { validUntil: until };
    }
    case "scan":
    case "page": {
      if (store.consumed(item.rowId) >= consumptionCap(q)) return refuse(120, `Item ${item.itemId}'s ${item.chargeWay}s are used up (${q} and the 5 % tolerance).`);
      const until = validUntil(item.chargeWay, { now, servesUntil });
      store.touchDevice(item.rowId, ask.deviceUuid, ask.deviceName, now, until);
      return { validUntil: until };
    }
    case "domain": {
      if (!ask.domain) return refuse(104, `Item ${item.itemId} is licensed per domain: the request must come from a browser page (Origin) or give validation.domain.`);
      const since = now - DOMAIN_WINDOW_DAYS * DAY_MS;
      if (!store.domainActive(item.rowId, ask.domain, since) && store.activeDomains(item.rowId, since) >= q) {
        return refuse(120, `All ${q} domains of item ${item.itemId} are in use.`);
      }
      store.touchDomain(item.rowId, ask.domain, now);
      const until = validUntil("domain", { now, servesUntil });
      store.touchDevice(item.rowId, ask.deviceUuid, ask.deviceName, now, until);
      return { validUntil: until };
    }
  }
}
