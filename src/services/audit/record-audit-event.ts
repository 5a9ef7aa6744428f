import type { Db } from "../../db/client";
import { auditEvents } from "../../db/schema";
import type { Actor } from "../context";

/** Adds one audit row. Call it inside the transaction of the change it records. */
export function recordAuditEvent(tx: Db, at: Date, actor: Actor, action: string, detail?: Record<string, unknown>): void {
  tx.insert(auditEvents)
    .values({ at, actor: actor.kind, action, ip: actor.ip, detail: detail ? JSON.stringify(detail) : null })
    .run();
}
