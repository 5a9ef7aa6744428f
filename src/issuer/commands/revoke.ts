import { UsageError } from "../../cli/errors";
import { MAX_ID_DIGITS, type LicensePayload } from "../../domain/license";
import { encodeLicenseFile } from "../../domain/license-file";
import { describeLicense, newId, organizationId, serverUuids, SIGNING_FLAGS, SIGNING_HELP, signerFrom, writeLicenseFile, type VendorCommand } from "../common";

const usage = "lts-vendor revoke --item ID [--item ID ...] --organization ORG --uuid UUID [--uuid UUID2] --out FILE [--key DIR/issuer.key | --demo]";

export const revoke: VendorCommand = {
  name: "revoke",
  usage,
  summary: "write a revocation of item ids for a customer's server; importing it revokes them",
  help: `Usage: ${usage}

Writes a revocation file: once the customer's server imports it, the items stop serving clients.
It is signed like a license and bound to the customer's server UUID(s); it has a fresh id.

  --item ID              an item id to revoke (digits); repeat for more items
  --organization ORG     the organization id the items were issued to
  --uuid UUID            the customer's server UUID ('lts uuid'); give --uuid twice for main
                         and standby
  --out FILE             where to write the revocation (an older file there is replaced)
${SIGNING_HELP}`,
  flags: {
    "--item": { value: "ID", repeatable: true },
    "--organization": { value: "ORG" },
    "--uuid": { value: "UUID", repeatable: true },
    "--out": { value: "FILE" },
    ...SIGNING_FLAGS,
  },
  run(line, ctx) {
    line.noPositionals();
    const items = line.all("--item");
    if (items.length === 0) throw new UsageError(`'lts-vendor revoke' needs --item ID (repeat it for more items).\nUsage: ${usage}`);
    for (const id of items) {
      if (!new RegExp(`^[0-9]{1,${MAX_ID_DIGITS}}$`).test(id)) throw new UsageError(`--item ${JSON.stringify(id)} is not an item id: 1 to ${MAX_ID_DIGITS} digits, as the license file lists it.`);
    }
    const revokes = [...new Set(items)];
    const org = organizationId(line, usage);
    const uuids = serverUuids(line, usage);
    const out = line.required("--out", usage);
    const signer = signerFrom(line);

    const now = ctx.now().toISOString();
    const alias = `Revocation of item${revokes.length > 1 ? "s" : ""} ${revokes.join(", ")}`;
    const payload: LicensePayload = {
      licenseId: newId(),
      alias: alias.length <= 128 ? alias : `Revocation of ${revokes.length} items`,
      organizationId: org,
      licensee: org,
      status: "revocation",
      boundUuids: uuids,
      issuedAt: now,
      activatedAt: now,
      items: [],
      revokes,
    };
    writeLicenseFile("--out", out, encodeLicenseFile(payload, signer));
    return {
      exitCode: 0,
      text: [describeLicense(payload, signer.publicKey), `Wrote ${out}`, `Next: the customer imports it (portal: Import License File, or lts import ${out}).`].join("\n"),
    };
  },
};
