import { transaction } from "../../db/transaction";
import { recordAuditEvent } from "../audit";
import type { ServiceContext } from "../context";
import { endSession } from "../sessions";

/** Ends the admin's session. */
export function logOut(ctx: Pick<ServiceContext, "db" | "clock" | "actor">, sessionIdHash: string): void {
  transaction(ctx.db, (tx) => {
    endSession(tx, sessionIdHash);
    recordAuditEvent(tx, ctx.clock.now(), ctx.actor, "logout");
  });
}
