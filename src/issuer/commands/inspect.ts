import { UsageError } from "../../cli/errors";
import { DEMO_ISSUER } from "../../domain/demo-issuer";
import { decodePayloadUnverified, LicenseFileError, openLicenseFile, readLicenseEnvelope } from "../../domain/license-file";
import { publicKeyFrom, readBytes, type VendorCommand } from "../common";

const usage = "lts-vendor inspect FILE [--pub FILE.pub ...]";

export const inspect: VendorCommand = {
  name: "inspect",
  usage,
  summary: "print what a license file holds and whether its signature holds",
  help: `Usage: ${usage}

Prints a license file's payload and then "signature: valid", or "signature: INVALID (why)" and
exits with 1. It trusts the demo issuer and every key given with --pub.

  --pub FILE.pub         an issuer public key (from 'lts-vendor keygen') to trust; repeatable`,
  flags: { "--pub": { value: "FILE.pub", repeatable: true } },
  run(line) {
    if (line.positionals.length !== 1) throw new UsageError(`'lts-vendor inspect' takes one license file.\nUsage: ${usage}`);
    const file = line.positionals[0]!;
    const trusted = [DEMO_ISSUER, ...line.all("--pub").map((pub) => publicKeyFrom("--pub", pub))];
    const bytes = readBytes("FILE", file);
    const pretty = (value: unknown) => JSON.stringify(value, null, 2);

    try {
      const opened = openLicenseFile(bytes, trusted);
      const issuer = opened.issuer.demo ? " (the demo issuer)" : "";
      return { exitCode: 0, text: [`file: ${file}`, `issuer key: ${opened.kid}${issuer}`, pretty(opened.payload), "signature: valid"].join("\n") };
    } catch (err) {
      if (!(err instanceof LicenseFileError)) throw err;
      const lines = [`file: ${file}`];
      try {
        const envelope = readLicenseEnvelope(bytes);
        lines.push(`issuer key: ${envelope.kid}${envelope.kid === DEMO_ISSUER.kid ? " (the demo issuer)" : ""}`);
        if (err.reason === "payload") {
          lines.push(pretty(decodePayloadUnverified(envelope)), "signature: valid", `payload: INVALID\n${err.problems.map((p) => `  ${p}`).join("\n")}`);
          return { exitCode: 1, text: lines.join("\n") };
        }
        lines.push(`payload (NOT verified: do not rely on it):\n${pretty(decodePayloadUnverified(envelope))}`);
      } catch {
        // Not even the envelope or the payload's JSON can be read: there is nothing more to show.
      }
      lines.push(`signature: INVALID (${why(err)})`);
      return { exitCode: 1, text: lines.join("\n") };
    }
  },
};

function why(err: LicenseFileError): string {
  if (err.reason === "unknown-key") {
    const kid = /issuer key (\w+)/.exec(err.message)?.[1];
    return `signed by issuer key ${kid}, which is neither the demo issuer nor a key given with --pub; add --pub with that issuer's issuer.pub`;
  }
  if (err.reason === "signature") return "the content was changed after it was signed, or the signature was made by another key than the one its kid names";
  return err.message;
}
