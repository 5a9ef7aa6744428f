import { DAY_MS } from "./slots";

/**
 * A device as the portal lists it, per item (DESIGN.md, "Devices"). An admin can release a
 * concurrent seat at any time; a `device` item's seat only once the device has been silent for
 * at least 7 days, so a customer cannot rotate seats without limit.
 */
export const RELEASE_SILENCE_DAYS = 7;

export interface DeviceView {
  itemRowId: number;
  itemId: string;
  chargeWay: string;
  deviceUuid: string;
  name: string | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
  activeUntil: Date;
  releasedAt: Date | null;
  /** Holds a seat (or counts against the item) now. */
  active: boolean;
  /** Why it cannot be released now, or null when it can. */
  releaseBlocked: string | null;
}

export function releaseBlocked(d: { chargeWay: string; lastSeenAt: number; activeUntil: number }, now: number): string | null {
  if (d.activeUntil <= now) return "holds no seat";
  if (d.chargeWay !== "device") return null;
  const silentMs = now - d.lastSeenAt;
  if (silentMs >= RELEASE_SILENCE_DAYS * DAY_MS) return null;
  const days = Math.ceil((RELEASE_SILENCE_DAYS * DAY_MS - silentMs) / DAY_MS);
  return `can be released after ${RELEASE_SILENCE_DAYS} silent days (${days} more)`;
}

/** A domain a `domain` item holds (or held), as the portal lists it. */
export interface DomainView {
  itemRowId: number;
  itemId: string;
  domain: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
  /** Counts against the item's quantity now (seen within the domain window). */
  active: boolean;
  /** Why it cannot be released now, or null when it can. */
  releaseBlocked: string | null;
}

/**
 * A domain's seat can be released once the domain has been silent for 7 days, as a device
 * item's: the seat of a site that moved is freed without waiting a year, yet seats cannot be
 * rotated without limit.
 */
export function domainReleaseBlocked(d: { lastSeenAt: number }, activeSince: number, now: number): string | null {
  if (d.lastSeenAt <= activeSince) return "holds no seat";
  const silentMs = now - d.lastSeenAt;
  if (silentMs >= RELEASE_SILENCE_DAYS * DAY_MS) return null;
  const days = Math.ceil((RELEASE_SILENCE_DAYS * DAY_MS - silentMs) / DAY_MS);
  return `can be released after ${RELEASE_SILENCE_DAYS} silent days (${days} more)`;
}
