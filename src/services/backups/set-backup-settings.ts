import * as v from "valibot";
import { settings } from "../../db/schema";
import { transaction } from "../../db/transaction";
import { recordAuditEvent } from "../audit";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { BACKUP_SETTINGS, readBackupSettings, type BackupSettings } from "./backup-settings";

const wholeNumber = (min: number, max: number, message: string) =>
  v.pipe(v.string(), v.trim(), v.regex(/^\d{1,4}$/, message), v.transform(Number), v.minValue(min, message), v.maxValue(max, message));

/** The Backups page's form: a checkbox (present = on) and two numbers as typed. */
export const SetBackupSettingsInput = v.object({
  enabled: v.optional(v.string()),
  keep: wholeNumber(1, 365, "Enter a whole number of backups from 1 to 365."),
  hourUtc: wholeNumber(0, 23, "Enter an hour from 0 to 23 (UTC)."),
});
export type SetBackupSettingsInput = v.InferInput<typeof SetBackupSettingsInput>;

/**
 * Saves the backup schedule (Backups page): on/off, how many backups to keep, the hour (UTC).
 * Audit `backup.settings-changed` when something changed. Throws VALIDATION naming the field.
 */
export function setBackupSettings(ctx: Pick<ServiceContext, "db" | "clock" | "actor">, raw: SetBackupSettingsInput): { changed: boolean; settings: BackupSettings } {
  const input = parseInput(SetBackupSettingsInput, raw);
  const next: BackupSettings = { enabled: input.enabled !== undefined && input.enabled !== "", keep: input.keep, hourUtc: input.hourUtc };
  return transaction(ctx.db, (tx) => {
    const before = readBackupSettings({ db: tx });
    const changed = before.enabled !== next.enabled || before.keep !== next.keep || before.hourUtc !== next.hourUtc;
    if (!changed) return { changed, settings: before };
    const at = ctx.clock.now();
    for (const [key, value] of [
      [BACKUP_SETTINGS.enabled, String(next.enabled)],
      [BACKUP_SETTINGS.keep, String(next.keep)],
      [BACKUP_SETTINGS.hour, String(next.hourUtc)],
    ] as const) {
      tx.insert(settings).values({ key, value, updatedAt: at }).onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: at } }).run();
    }
    recordAuditEvent(tx, at, ctx.actor, "backup.settings-changed", { ...next });
    return { changed, settings: next };
  });
}
