// The trust root of a build (DESIGN.md, "Trust root"): reads the issuer public keys given with
// `scripts/build.ts --issuer-key FILE.pub` and turns them into the `bun build --define` that
// src/trusted-issuers.ts reads. Shared by build.ts and the test that compiles a probe with it.
import { readFileSync } from "node:fs";
import { IssuerKeyError, issuerPublicKeyFromPem, type IssuerPublicKey } from "../src/domain/issuer-key";

/** The global constant src/trusted-issuers.ts declares. */
export const TRUSTED_ISSUERS_CONSTANT = "LTS_TRUSTED_ISSUERS";

/** Reads SPKI PEM files (issuer.pub from `lts-vendor keygen`); the same key twice counts once. */
export function readIssuerKeyFiles(files: string[]): IssuerPublicKey[] {
  const keys = new Map<string, IssuerPublicKey>();
  for (const file of files) {
    let pem: string;
    try {
      pem = readFileSync(file, "utf8");
    } catch (err) {
      throw new Error(`--issuer-key ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    try {
      const key = issuerPublicKeyFromPem(pem);
      keys.set(key.kid, key);
    } catch (err) {
      if (err instanceof IssuerKeyError) throw new Error(`--issuer-key ${file} ${err.message}`);
      throw err;
    }
  }
  return [...keys.values()];
}

/**
 * The `bun build` arguments that compile these keys in as the only trusted issuers; none for no
 * keys, so that the build trusts the demo issuer.
 */
export function trustedIssuersDefine(keys: IssuerPublicKey[]): string[] {
  if (keys.length === 0) return [];
  const json = JSON.stringify(keys.map(({ kid, publicKey }) => ({ kid, publicKey })));
  return [`--define=${TRUSTED_ISSUERS_CONSTANT}:${JSON.stringify(json)}`];
}
