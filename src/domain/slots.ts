/**
 * Usage is counted in 3-minute UTC slots (480 a day), each named by its start: a minute divisible
 * by 3, seconds and milliseconds zero (PROTOCOL.md, "Conventions").
 */
export const SLOT_MS = 3 * 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** The start (ms) of the slot `ms` falls in. */
export function slotOf(ms: number): number {
  return Math.floor(ms / SLOT_MS) * SLOT_MS;
}

/** The start (UTC ms) of the hour and of the day `ms` falls in. */
export function hourOf(ms: number): number {
  return ms - (((ms % HOUR_MS) + HOUR_MS) % HOUR_MS);
}
export function dayOf(ms: number): number {
  return ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The slot start (ms) an ISO string names, or null when it is not exactly a slot start. */
export function parseSlot(text: string): number | null {
  if (!ISO_MS.test(text)) return null;
  const ms = Date.parse(text);
  if (Number.isNaN(ms) || new Date(ms).toISOString() !== text) return null;
  return ms % SLOT_MS === 0 ? ms : null;
}
