import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CommandError } from "../../cli/errors";
import { generateIssuerKeyPair } from "../../domain/issuer-key";
import { describeFsError, type VendorCommand } from "../common";

const usage = "lts-vendor keygen --out-dir DIR";

export const keygen: VendorCommand = {
  name: "keygen",
  usage,
  summary: "make a new issuer key pair: DIR/issuer.key (private) and DIR/issuer.pub",
  help: `Usage: ${usage}

Makes a new Ed25519 issuer key pair and prints its key id (kid):
  DIR/issuer.key   the private key (PKCS#8 PEM, mode 0600). It signs every license you issue:
                   keep it secret and backed up. Whoever holds it can issue licenses.
  DIR/issuer.pub   the public key (SPKI PEM). Build an lts that trusts it:
                   npm run build -- --issuer-key DIR/issuer.pub

  --out-dir DIR    the folder to write them to (made if missing). An existing key is never
                   overwritten.`,
  flags: { "--out-dir": { value: "DIR" } },
  run(line) {
    line.noPositionals();
    const dir = line.required("--out-dir", usage);
    const keyFile = join(dir, "issuer.key");
    const pubFile = join(dir, "issuer.pub");
    for (const file of [keyFile, pubFile]) {
      if (existsSync(file)) {
        throw new CommandError(
          `${file} already exists, and keygen never overwrites a key: the licenses it signed would lose their issuer. Choose another --out-dir, or move the old files away first.`,
        );
      }
    }
    const pair = generateIssuerKeyPair();
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(keyFile, pair.privateKeyPem, { mode: 0o600, flag: "wx" });
      chmodSync(keyFile, 0o600); // whatever the umask
      writeFileSync(pubFile, pair.publicKeyPem, { mode: 0o644, flag: "wx" });
    } catch (err) {
      throw new CommandError(`Cannot write the key files in --out-dir ${dir}: ${describeFsError(err)}.`);
    }
    return {
      exitCode: 0,
      text: [
        `Wrote ${keyFile} (private key, mode 0600: keep it secret and backed up)`,
        `Wrote ${pubFile} (public key)`,
        `kid: ${pair.kid}`,
        `Next: build an lts that trusts this key: npm run build -- --issuer-key ${pubFile}`,
        `      and sign with it: lts-vendor issue --spec SPEC.json --out FILE --key ${keyFile}`,
      ].join("\n"),
    };
  },
};
