import { planImport, type ImportPlan } from "../../domain/license-import";
import type { ServiceContext } from "../context";
import type { MachineBinding } from "../machine-identity";
import { listOrganizationCodes, type HandshakeCodeRow } from "../handshake-codes";
import { gatherKnown } from "./gather-known";
import { openLicense, type OpenedLicense } from "./open-license";

export interface ImportPreview {
  license: OpenedLicense;
  plan: ImportPlan;
  /** The organization's existing codes the new items could be attached to. */
  codes: HandshakeCodeRow[];
  /** The suffix a new code gets unless the admin chooses another: the license id. */
  suggestedSuffix: string;
}

/**
 * Verifies a license file and says what importing it would do, changing nothing. Throws
 * VALIDATION (field `file`) when the file would be refused, with what to do about it.
 */
export function previewImport(ctx: Pick<ServiceContext, "db" | "clock" | "trustedIssuers">, input: { file: Uint8Array; machine: Pick<MachineBinding, "uuid"> }): ImportPreview {
  const license = openLicense(input.file, ctx.trustedIssuers);
  const known = gatherKnown(ctx.db, license);
  const plan = planImport({ file: license, thisUuid: input.machine.uuid, now: ctx.clock.now(), existing: known.existing, knownItems: known.knownItems });
  return { license, plan, codes: listOrganizationCodes(ctx.db, license.payload.organizationId), suggestedSuffix: license.payload.licenseId };
}
