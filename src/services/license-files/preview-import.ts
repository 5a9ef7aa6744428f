import type { Db } from "../../db/client";
import type { IssuerPublicKey } from "../../domain/issuer-key";
import { planImport, type ImportPlan } from "../../domain/license-import";
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
export function previewImport(db: Db, input: { file: Uint8Array; trusted: IssuerPublicKey[]; machine: Pick<MachineBinding, "uuid">; now: Date }): ImportPreview {
  const license = openLicense(input.file, input.trusted);
  const known = gatherKnown(db, license);
  const plan = planImport({ file: license, thisUuid: input.machine.uuid, now: input.now, existing: known.existing, knownItems: known.knownItems });
  return { license, plan, codes: listOrganizationCodes(db, license.payload.organizationId), suggestedSuffix: license.payload.licenseId };
}
