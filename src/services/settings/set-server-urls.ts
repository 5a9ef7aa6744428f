import { eq } from "drizzle-orm";
import * as v from "valibot";
import type { Db } from "../../db/client";
import { settings } from "../../db/schema";
import { transaction } from "../../db/transaction";
import { validationError } from "../../domain/errors";
import { parseServerPublicKey, parseServerUrl } from "../../domain/server-url";
import { recordAuditEvent } from "../audit";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { SERVER_URL_SETTINGS } from "./server-urls";

const text = v.optional(v.pipe(v.string(), v.trim(), v.maxLength(2048, "This is too long.")), "");

/** Empty `main` = this host's address (the default); empty `standby` and key = no standby. */
export const SetServerUrlsInput = v.object({ main: text, standby: text, standbyPublicKey: text });
export type SetServerUrlsInput = v.InferInput<typeof SetServerUrlsInput>;

/**
 * "Set Server URL" (portal and `lts server-url`): stores the main and standby URLs and the
 * standby's public key, which every license key carries from then on (keys are derived when shown,
 * so all of them change at once). The standby needs its key: clients trust only the keys a license
 * key pins. Audit `server-url.changed`. Throws VALIDATION naming the field at fault.
 */
export function setServerUrls(ctx: Pick<ServiceContext, "db" | "clock" | "actor">, raw: SetServerUrlsInput): { changed: boolean } {
  const input = parseInput(SetServerUrlsInput, raw);
  const errors: Record<string, string> = {};
  const url = (field: "main" | "standby") => {
    if (!input[field]) return null;
    const parsed = parseServerUrl(input[field]);
    if (!parsed.ok) errors[field] = parsed.problem;
    return parsed.ok ? parsed.value : null;
  };
  const main = url("main");
  const standby = url("standby");
  let standbyKey: { publicKey: string; kid: string } | null = null;
  if (input.standbyPublicKey) {
    const parsed = parseServerPublicKey(input.standbyPublicKey);
    if (parsed.ok) standbyKey = parsed.value;
    else errors.standbyPublicKey = parsed.problem;
  }
  if (input.standby && !input.standbyPublicKey) errors.standbyPublicKey = "Paste the standby server's public key (its GET /api/v1/server-key): clients trust only the servers whose keys their license key pins.";
  if (!input.standby && input.standbyPublicKey) errors.standby = "Enter the standby server's URL, or clear its public key.";
  if (main && standby && main === standby) errors.standby = "The standby must be another server than the main one.";
  if (Object.keys(errors).length > 0) throw validationError(errors);

  return transaction(ctx.db, (tx) => {
    const at = ctx.clock.now();
    const changed = [
      write(tx, SERVER_URL_SETTINGS.main, main, at),
      write(tx, SERVER_URL_SETTINGS.standby, standby, at),
      write(tx, SERVER_URL_SETTINGS.standbyPublicKey, standbyKey?.publicKey ?? null, at),
    ].some(Boolean);
    if (changed) recordAuditEvent(tx, at, ctx.actor, "server-url.changed", { main: main ?? "(this host's address)", standby, standbyKid: standbyKey?.kid ?? null });
    return { changed };
  });
}

/** Sets or clears one setting; true when it changed. */
function write(tx: Db, key: string, value: string | null, at: Date): boolean {
  const current = tx.select({ value: settings.value }).from(settings).where(eq(settings.key, key)).get()?.value ?? null;
  if (current === value) return false;
  if (value === null) tx.delete(settings).where(eq(settings.key, key)).run();
  else tx.insert(settings).values({ key, value, updatedAt: at }).onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: at } }).run();
  return true;
}
