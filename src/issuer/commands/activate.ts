import { CommandError } from "../../cli/errors";
import type { LicensePayload } from "../../domain/license";
import { encodeLicenseFile } from "../../domain/license-file";
import { describeLicense, expiryWarning, openOwnLicense, serverUuids, SIGNING_FLAGS, SIGNING_HELP, signerFrom, writeLicenseFile, type VendorCommand } from "../common";

const usage = "lts-vendor activate --license FILE --uuid UUID [--uuid UUID2] --out FILE [--key DIR/issuer.key | --demo]";

export const activate: VendorCommand = {
  name: "activate",
  usage,
  summary: "bind a license file to the customer's server UUID(s); the result is what lts imports",
  help: `Usage: ${usage}

Writes an activated copy of a license file, bound to one server UUID (or two: main and standby),
signed again by the key that issued it. An activated file may be activated again for new UUIDs:
the same license id, imported, moves the license to the new hardware and keeps its usage.

  --license FILE         the license file ("new" from 'lts-vendor issue', or activated before);
                         its signature must hold for the key you sign with
  --uuid UUID            the customer's server UUID, 8-4-4-4-12 hex digits as 'lts uuid' prints
                         it (lower case is accepted); give --uuid twice for main and standby
  --out FILE             where to write the activated file (an older file there is replaced)
${SIGNING_HELP}`,
  flags: { "--license": { value: "FILE" }, "--uuid": { value: "UUID", repeatable: true }, "--out": { value: "FILE" }, ...SIGNING_FLAGS },
  run(line, ctx) {
    line.noPositionals();
    const licenseFile = line.required("--license", usage);
    const uuids = serverUuids(line, usage);
    const out = line.required("--out", usage);
    const signer = signerFrom(line);

    const { payload: original } = openOwnLicense("--license", licenseFile, signer.publicKey);
    if (original.status === "revocation") {
      throw new CommandError(`--license ${licenseFile} is a revocation (of item(s) ${(original.revokes ?? []).join(", ")}); only license files can be activated.`);
    }
    const now = ctx.now();
    const payload: LicensePayload = { ...original, status: "activated", boundUuids: uuids, activatedAt: now.toISOString() };
    writeLicenseFile("--out", out, encodeLicenseFile(payload, signer));
    const moved = original.status === "activated" ? [`  (was bound to ${original.boundUuids.join(" and ")}: importing this file moves the license and keeps its usage)`] : [];
    return {
      exitCode: 0,
      text: [
        describeLicense(payload, signer.publicKey),
        ...moved,
        ...expiryWarning(payload, now),
        `Wrote ${out}`,
        `Next: the customer imports it (portal: Import License File, or lts import ${out}).`,
      ].join("\n"),
    };
  },
};
