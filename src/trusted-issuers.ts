import { DEMO_ISSUER } from "./domain/demo-issuer";
import { issuerPublicKeyFromRaw, rawPublicKey, type IssuerPublicKey } from "./domain/issuer-key";

/**
 * The server's trust root (DESIGN.md, "Trust root"): the issuer public keys compiled into this
 * build. `bun scripts/build.ts --issuer-key FILE.pub` (repeatable) replaces LTS_TRUSTED_ISSUERS
 * with a JSON string of `[{kid, publicKey}]` (bun build --define; scripts/issuer-keys.ts); without
 * it (from source, in tests, a default build) the repository's demo issuer is trusted. Nothing at
 * runtime (environment, config, files, the portal) can add a key, or every admin could forge
 * licenses. A build with --issuer-key does not trust the demo key unless it was given explicitly.
 */
declare const LTS_TRUSTED_ISSUERS: string | undefined;

let cached: readonly IssuerPublicKey[] | undefined;

export function trustedIssuers(): IssuerPublicKey[] {
  cached ??= Object.freeze(typeof LTS_TRUSTED_ISSUERS === "string" ? compiledKeys(LTS_TRUSTED_ISSUERS) : [DEMO_ISSUER]);
  return [...cached];
}

/** Whether this build was made with --issuer-key (and so does not trust the demo issuer by default). */
export function hasCompiledIssuers(): boolean {
  return typeof LTS_TRUSTED_ISSUERS === "string";
}

/** Reads the build-time list; a malformed one is a broken build, so it stops the program. */
function compiledKeys(json: string): IssuerPublicKey[] {
  const entries = JSON.parse(json) as { kid: string; publicKey: string }[];
  if (!Array.isArray(entries) || entries.length === 0) throw new Error("This build's LTS_TRUSTED_ISSUERS is not a non-empty list; rebuild with --issuer-key FILE.pub");
  return entries.map((entry) => {
    const key = issuerPublicKeyFromRaw(rawPublicKey(entry));
    if (key.kid !== entry.kid) throw new Error(`This build's trusted issuer ${entry.kid} does not match its public key; rebuild with --issuer-key FILE.pub`);
    return Object.freeze({ ...key, demo: key.kid === DEMO_ISSUER.kid });
  });
}
