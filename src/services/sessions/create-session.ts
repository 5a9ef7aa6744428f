import type { Db } from "../../db/client";
import { sessions } from "../../db/schema";
import { randomToken, sha256Hex } from "../../lib/ids";

export interface NewSession {
  /** The cookie value: 256 random bits. Only its SHA-256 is stored. */
  token: string;
  csrfToken: string;
}

/** Starts a portal session. Call inside the transaction that authenticated the admin. */
export function createSession(tx: Db, input: { at: Date; ip: string | null; userAgent: string | null }): NewSession {
  const token = randomToken();
  const csrfToken = randomToken();
  tx.insert(sessions)
    .values({ idHash: sha256Hex(token), csrfToken, createdAt: input.at, lastSeenAt: input.at, ip: input.ip, userAgent: input.userAgent?.slice(0, 256) ?? null })
    .run();
  return { token, csrfToken };
}
