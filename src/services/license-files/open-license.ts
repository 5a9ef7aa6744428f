import { createHash } from "node:crypto";
import type { IssuerPublicKey } from "../../domain/issuer-key";
import type { LicensePayload } from "../../domain/license";
import { LicenseFileError, MAX_LICENSE_FILE_BYTES, openLicenseFile } from "../../domain/license-file";
import { validationError } from "../../domain/errors";

/** A license file whose signature holds, by a trusted issuer, with its payload decoded. */
export interface OpenedLicense {
  payload: LicensePayload;
  payloadSha256: string;
  /** The armored text, as imported (kept for export and audit). */
  fileText: string;
  kid: string;
  demo: boolean;
}


/**
 * Verifies and decodes a license file (signature first, by a trusted issuer's key). Throws
 * VALIDATION on the `file` field with the format's own message saying what to do.
 */
export function openLicense(input: Uint8Array, trusted: IssuerPublicKey[]): OpenedLicense {
  if (input.byteLength > MAX_LICENSE_FILE_BYTES) {
    throw fileProblem(`This file is ${(input.byteLength / 1e6).toFixed(1)} MB; license files are a few KB. Check that you chose the license file your vendor sent.`);
  }
  try {
    const opened = openLicenseFile(input, trusted);
    return {
      payload: opened.payload,
      payloadSha256: createHash("sha256").update(opened.payloadText).digest("hex"),
      fileText: new TextDecoder().decode(input),
      kid: opened.kid,
      demo: opened.issuer.demo,
    };
  } catch (err) {
    if (err instanceof LicenseFileError) throw fileProblem(err.message);
    throw err;
  }
}

function fileProblem(message: string) {
  return validationError({ file: message }, message);
}
