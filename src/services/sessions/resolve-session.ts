import { eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { sessions } from "../../db/schema";
import { sha256Hex } from "../../lib/ids";
import { LAST_SEEN_RESOLUTION_MS, type SessionPolicy } from "./session-policy";

export interface ActiveSession {
  idHash: string;
  csrfToken: string;
  createdAt: Date;
}

/**
 * The live session a cookie token names, or null. A session idle past the policy, or older than
 * its absolute lifetime, is deleted and treated as absent; a live one has its last-seen time moved.
 */
export function resolveSession(db: Db, input: { token: string; now: Date; policy: SessionPolicy }): ActiveSession | null {
  const idHash = sha256Hex(input.token);
  const row = db.select().from(sessions).where(eq(sessions.idHash, idHash)).get();
  if (!row) return null;
  const now = input.now.getTime();
  if (now - row.lastSeenAt.getTime() > input.policy.idleMs || now - row.createdAt.getTime() > input.policy.absoluteMs) {
    db.delete(sessions).where(eq(sessions.idHash, idHash)).run();
    return null;
  }
  if (now - row.lastSeenAt.getTime() >= LAST_SEEN_RESOLUTION_MS) {
    db.update(sessions).set({ lastSeenAt: input.now }).where(eq(sessions.idHash, idHash)).run();
  }
  return { idHash, csrfToken: row.csrfToken, createdAt: row.createdAt };
}
