/** How long portal sessions last (from config). */
export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
}

/** last_seen_at is written at most this often, so browsing does not mean a write per request. */
export const LAST_SEEN_RESOLUTION_MS = 60_000;
