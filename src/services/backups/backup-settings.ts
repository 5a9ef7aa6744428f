import { inArray } from "drizzle-orm";
import { settings } from "../../db/schema";
import type { ServiceContext } from "../context";

/** The settings rows of the Backups page; absent = the default. */
export const BACKUP_SETTINGS = { enabled: "backup.scheduled", keep: "backup.keep", hour: "backup.hourUtc" } as const;

export interface BackupSettings {
  /** Scheduled daily backups into <data-dir>/backups/ (on by default). */
  enabled: boolean;
  /** How many backups the schedule keeps in the backups folder (1–365, default 7). */
  keep: number;
  /** The hour of the day (UTC, 0–23) the scheduled backup is made (default 3). */
  hourUtc: number;
}

export const DEFAULT_BACKUP_SETTINGS: BackupSettings = { enabled: true, keep: 7, hourUtc: 3 };

/** The backup schedule in effect. Cheap: one small query. */
export function readBackupSettings(ctx: Pick<ServiceContext, "db">): BackupSettings {
  const rows = ctx.db.select().from(settings).where(inArray(settings.key, Object.values(BACKUP_SETTINGS))).all();
  const value = (key: string) => rows.find((r) => r.key === key)?.value;
  const int = (key: string, min: number, max: number, fallback: number) => {
    const n = Number(value(key));
    return value(key) !== undefined && Number.isInteger(n) && n >= min && n <= max ? n : fallback;
  };
  return {
    enabled: (value(BACKUP_SETTINGS.enabled) ?? String(DEFAULT_BACKUP_SETTINGS.enabled)) === "true",
    keep: int(BACKUP_SETTINGS.keep, 1, 365, DEFAULT_BACKUP_SETTINGS.keep),
    hourUtc: int(BACKUP_SETTINGS.hour, 0, 23, DEFAULT_BACKUP_SETTINGS.hourUtc),
  };
}
