import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { handshakeCodes } from "../../db/schema";
import { handshakeCode } from "../../domain/handshake-code";
import type { Actor } from "../context";
import { recordAuditEvent } from "../audit";

export type HandshakeCodeRow = typeof handshakeCodes.$inferSelect;

/**
 * The code `{organizationId}-{suffix}`, created (enabled) when missing; an organization's first
 * code becomes its default. Call inside the transaction that needs it.
 */
export function ensureHandshakeCode(tx: Db, input: { organizationId: string; suffix: string; name: string; at: Date; actor: Actor }): { code: HandshakeCodeRow; created: boolean } {
  const code = handshakeCode(input.organizationId, input.suffix);
  const found = tx.select().from(handshakeCodes).where(eq(handshakeCodes.code, code)).get();
  if (found) return { code: found, created: false };
  const hasDefault = tx
    .select({ id: handshakeCodes.id })
    .from(handshakeCodes)
    .where(and(eq(handshakeCodes.organizationId, input.organizationId), eq(handshakeCodes.isDefault, true)))
    .get();
  const [row] = tx
    .insert(handshakeCodes)
    .values({ code, organizationId: input.organizationId, suffix: input.suffix, name: input.name, isDefault: !hasDefault, enabled: true, createdAt: input.at, updatedAt: input.at })
    .returning()
    .all();
  recordAuditEvent(tx, input.at, input.actor, "handshake-code.created", { code, isDefault: !hasDefault });
  return { code: row!, created: true };
}

/** The codes of one organization, default first, then by code. */
export function listOrganizationCodes(db: Db, organizationId: string): HandshakeCodeRow[] {
  return db
    .select()
    .from(handshakeCodes)
    .where(eq(handshakeCodes.organizationId, organizationId))
    .all()
    .sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || a.code.localeCompare(b.code));
}
