import { CommandError } from "../../cli/errors";
import { LicenseSpec, validate, type LicensePayload } from "../../domain/license";
import { encodeLicenseFile } from "../../domain/license-file";
import { describeLicense, expiryWarning, newId, readText, SIGNING_FLAGS, SIGNING_HELP, signerFrom, writeLicenseFile, type VendorCommand } from "../common";

const usage = "lts-vendor issue --spec SPEC.json --out FILE [--key DIR/issuer.key | --demo]";

export const issue: VendorCommand = {
  name: "issue",
  usage,
  summary: "issue a new license file from SPEC.json (not yet bound to a server)",
  help: `Usage: ${usage}

Issues a new license file (status "new") from SPEC.json, signed by your issuer key. lts imports
only activated files: activate it next for the customer's server UUID (lts-vendor activate).

  --spec SPEC.json       the license: alias, organizationId, licensee and its items (README.md,
                         "lts-vendor: issuing license files", has an example with every charge
                         way); a missing licenseId or itemId is generated
  --out FILE             where to write the license file (an older file there is replaced)
${SIGNING_HELP}`,
  flags: { "--spec": { value: "SPEC.json" }, "--out": { value: "FILE" }, ...SIGNING_FLAGS },
  run(line, ctx) {
    line.noPositionals();
    const specFile = line.required("--spec", usage);
    const out = line.required("--out", usage);
    const signer = signerFrom(line);

    let json: unknown;
    try {
      json = JSON.parse(readText("--spec", specFile));
    } catch (err) {
      if (err instanceof CommandError) throw err;
      throw new CommandError(`--spec ${specFile} is not valid JSON (${(err as Error).message}).`);
    }
    const checked = validate(LicenseSpec, json);
    if (!checked.success) {
      throw new CommandError(
        `--spec ${specFile} does not describe a valid license:\n${checked.problems.map((p) => `  ${p}`).join("\n")}\nCorrect these fields; README.md ("lts-vendor: issuing license files") shows an example.`,
      );
    }
    const spec = checked.output;
    const taken = new Set(spec.items.flatMap((item) => (item.itemId === undefined ? [] : [item.itemId])));
    const payload: LicensePayload = {
      licenseId: spec.licenseId ?? newId(),
      alias: spec.alias,
      organizationId: spec.organizationId,
      licensee: spec.licensee,
      status: "new",
      boundUuids: [],
      issuedAt: ctx.now().toISOString(),
      activatedAt: null,
      items: spec.items.map((item) => {
        const itemId = item.itemId ?? newId(taken);
        taken.add(itemId);
        return { ...item, itemId };
      }),
    };
    writeLicenseFile("--out", out, encodeLicenseFile(payload, signer));
    const keyFlag = signer.publicKey.demo ? "--demo" : `--key ${line.optional("--key")}`;
    return {
      exitCode: 0,
      text: [
        describeLicense(payload, signer.publicKey),
        ...expiryWarning(payload, ctx.now()),
        `Wrote ${out}`,
        `Next: activate it for the customer's server UUID (they see it in the portal, or with 'lts uuid'):`,
        `  lts-vendor activate --license ${out} --uuid UUID --out activated.lic ${keyFlag}`,
      ].join("\n"),
    };
  },
};
