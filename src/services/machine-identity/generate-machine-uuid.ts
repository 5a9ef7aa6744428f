import { transaction } from "../../db/transaction";
import { AppError } from "../../domain/errors";
import type { MachineLabel } from "../../domain/machine-uuid";
import { recordAuditEvent } from "../audit";
import { previewMachineUuid } from "./preview-machine-uuid";
import type { GenerateMachineUuidInput } from "./schemas";
import { countImportedLicenses, loadStoredIdentity, storeIdentity, type MachineContext } from "./stored-identity";

/**
 * Generate UUID (portal or `lts uuid generate --yes`): derives the UUID from the chosen labels as
 * read on this machine and stores it with the labels and a digest of each value (never the raw
 * values). Audited as `uuid.generated`. Throws VALIDATION when no label is chosen or a chosen one
 * has no value here, and CONFLICT (field `confirm`) when imported licenses are bound to a
 * different stored UUID and `confirm` is not set. The caller refreshes `deps.machine` afterwards.
 */
export async function generateMachineUuid(ctx: MachineContext, raw: GenerateMachineUuidInput): Promise<{ uuid: string; labels: MachineLabel[]; previousUuid: string | null }> {
  const plan = await previewMachineUuid(ctx, raw);
  return transaction(ctx.db, (tx) => {
    // Checked again inside the transaction: a license may have been imported meanwhile.
    const stored = loadStoredIdentity(tx);
    const bound = stored && stored.uuid !== plan.identity.uuid ? countImportedLicenses(tx) : 0;
    if (bound > 0 && raw.confirm !== true) {
      const message =
        plan.warning ??
        `${bound} imported license(s) are bound to UUID ${stored!.uuid}; with the new UUID ${plan.identity.uuid} they stop authorizing clients until your vendor re-activates them for it.`;
      throw new AppError("CONFLICT", message, { fields: { confirm: message } });
    }
    const at = ctx.clock.now();
    storeIdentity(tx, { ...plan.identity, updatedAt: at });
    recordAuditEvent(tx, at, ctx.actor, "uuid.generated", {
      uuid: plan.identity.uuid,
      labels: plan.identity.labels,
      previousUuid: stored?.uuid ?? null,
      ...(bound > 0 ? { unboundLicenses: bound } : {}),
    });
    return { uuid: plan.identity.uuid, labels: plan.identity.labels, previousUuid: stored?.uuid ?? null };
  });
}
