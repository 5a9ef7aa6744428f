import { eq, lt, ne, or } from "drizzle-orm";
import type { Db } from "../../db/client";
import { sessions } from "../../db/schema";
import type { SessionPolicy } from "./session-policy";

export function endSession(tx: Db, idHash: string): void {
  tx.delete(sessions).where(eq(sessions.idHash, idHash)).run();
}

/** Ends every session but `keepIdHash` (all of them when it is null). Returns how many ended. */
export function endOtherSessions(tx: Db, keepIdHash: string | null): number {
  const query = tx.delete(sessions);
  return (keepIdHash ? query.where(ne(sessions.idHash, keepIdHash)) : query).returning({ idHash: sessions.idHash }).all().length;
}

/** Deletes sessions that can no longer be used. Run now and then by the server. */
export function purgeExpiredSessions(db: Db, now: Date, policy: SessionPolicy): number {
  return db
    .delete(sessions)
    .where(or(lt(sessions.lastSeenAt, new Date(now.getTime() - policy.idleMs)), lt(sessions.createdAt, new Date(now.getTime() - policy.absoluteMs))))
    .returning({ idHash: sessions.idHash })
    .all().length;
}
