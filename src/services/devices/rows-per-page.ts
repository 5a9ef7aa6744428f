import { eq } from "drizzle-orm";
import * as v from "valibot";
import { settings } from "../../db/schema";
import { transaction } from "../../db/transaction";
import { PAGE_SIZE } from "../../domain/device-list";
import { recordAuditEvent } from "../audit";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";

/** The settings row that holds the admin's default page size of the Devices page. */
export const ROWS_PER_PAGE_SETTING = "portal.rowsPerPage";

/** The Devices page's page size when the URL names none: the admin's choice, else 50. */
export function readRowsPerPage({ db }: Pick<ServiceContext, "db">): number {
  const value = Number(db.select({ value: settings.value }).from(settings).where(eq(settings.key, ROWS_PER_PAGE_SETTING)).get()?.value);
  return Number.isSafeInteger(value) && value >= PAGE_SIZE.min && value <= PAGE_SIZE.max ? value : PAGE_SIZE.default;
}

export const SetRowsPerPageInput = v.object({
  size: v.pipe(
    v.union([v.number(), v.pipe(v.string(), v.regex(/^[0-9]{1,4}$/, `Choose from ${PAGE_SIZE.min} to ${PAGE_SIZE.max} rows per page.`), v.transform(Number))]),
    v.number(),
    v.integer(),
    v.minValue(PAGE_SIZE.min, `Choose from ${PAGE_SIZE.min} to ${PAGE_SIZE.max} rows per page.`),
    v.maxValue(PAGE_SIZE.max, `Choose from ${PAGE_SIZE.min} to ${PAGE_SIZE.max} rows per page.`),
  ),
});
export type SetRowsPerPageInput = v.InferInput<typeof SetRowsPerPageInput>;

/**
 * Stores the admin-wide default page size ("Rows per page" on the Devices page). Audited as
 * `rows-per-page.changed` when it changes. Throws VALIDATION outside 10..200.
 */
export function setRowsPerPage(ctx: Pick<ServiceContext, "db" | "clock" | "actor">, raw: SetRowsPerPageInput): void {
  const { size } = parseInput(SetRowsPerPageInput, raw);
  transaction(ctx.db, (tx) => {
    if (tx.select({ value: settings.value }).from(settings).where(eq(settings.key, ROWS_PER_PAGE_SETTING)).get()?.value === String(size)) return;
    const at = ctx.clock.now();
    tx.insert(settings).values({ key: ROWS_PER_PAGE_SETTING, value: String(size), updatedAt: at }).onConflictDoUpdate({ target: settings.key, set: { value: String(size), updatedAt: at } }).run();
    recordAuditEvent(tx, at, ctx.actor, "rows-per-page.changed", { size });
  });
}
