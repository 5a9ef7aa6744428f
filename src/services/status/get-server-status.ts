import { count, gt } from "drizzle-orm";
import type { Db } from "../../db/client";
import { sessions } from "../../db/schema";
import type { MachineStatus } from "../../domain/machine-uuid";
import type { ServerStatus } from "../../domain/server-status";
import type { ServiceContext } from "../context";
import type { SessionPolicy } from "../sessions";

/** The facts the Home page shows about this server. */
export function getServerStatus(
  ctx: Pick<ServiceContext, "db" | "clock">,
  input: { version: string; startedAt: Date; listening: string; dataDir: string; sessionPolicy: SessionPolicy },
): ServerStatus {
  const { db } = ctx;
  const now = ctx.clock.now();
  const pages = db.$client.query<{ bytes: number }, []>("SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()").get();
  const activeSince = new Date(now.getTime() - input.sessionPolicy.idleMs);
  const active = db.select({ n: count() }).from(sessions).where(gt(sessions.lastSeenAt, activeSince)).get();
  return {
    version: input.version,
    startedAt: input.startedAt,
    now,
    listening: input.listening,
    dataDir: input.dataDir,
    databaseBytes: pages?.bytes ?? 0,
    activeSessions: active?.n ?? 0,
  };
}

/**
 * Whether clients can be served; /healthz reports it. Not ready while storage cannot be read,
 * while the machine identity is still being computed ("starting up"), before a machine UUID is
 * generated, and while a chosen hardware label differs from the one the UUID was generated with.
 */
export function getReadiness(db: Db, machine: MachineStatus): { ready: boolean; reason: string; uuidMatches: boolean } {
  try {
    db.$client.query("SELECT 1").get();
  } catch {
    return { ready: false, reason: "storage unavailable: the database cannot be read", uuidMatches: false };
  }
  return { ready: machine.ready, reason: machine.reason, uuidMatches: machine.ready };
}
