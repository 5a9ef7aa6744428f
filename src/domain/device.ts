import { DAY_MS, HOUR_MS, hourOf } from "./slots";

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

/** A device's stored contact with an item (item_devices). */
export interface StoredContact {
  name: string | null;
  lastSeenAt: number;
  activeUntil: number;
  releasedAt: number | null;
  counted: boolean;
}

/** A new contact: its name (null: not given), time, the seat end it asks for, and whether it holds a counted seat. */
export interface Contact {
  name: string | null;
  now: number;
  activeUntil: number;
  counted: boolean;
}

/**
 * Whether a contact may leave the stored row as it is: contacts are written at most once per UTC
 * hour. A contact in the stored contact's hour that brings no new name, is not after a release,
 * takes no new counted seat and asks for a seat end at most an hour past the stored one (for seats
 * of a day or more; shorter ones must be met exactly) changes nothing worth a write. So "last seen"
 * is kept to the hour, and a device item's seat end may be up to an hour short of now + window —
 * the answer then promises the stored end, never more. At a million devices, rewriting a row and
 * two index entries at random places on every contact was most of an authorize's cost.
 */
export function isRepeatContact(stored: StoredContact, contact: Contact): boolean {
  const slack = contact.activeUntil - contact.now >= DAY_MS ? HOUR_MS : 0;
  return (
    hourOf(stored.lastSeenAt) === hourOf(contact.now) &&
    stored.releasedAt === null &&
    (contact.name === null || contact.name === stored.name) &&
    (stored.counted || !contact.counted) &&
    stored.activeUntil >= contact.activeUntil - slack
  );
}
