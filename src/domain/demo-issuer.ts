import type { IssuerPublicKey } from "./issuer-key";

/**
 * The repository's demo issuer (DESIGN.md, "Trust root"). Its private key is public on purpose
 * (src/issuer/demo-issuer-key.ts, `lts-vendor --demo`), so that a newcomer and the tests can run
 * the whole loop: issue, activate, import. A build of lts from source or without --issuer-key
 * trusts it and shows its items with a "demo issuer" badge; a build with --issuer-key does not.
 */
export const DEMO_ISSUER: IssuerPublicKey = Object.freeze({
  kid: "6847c82e803304b1",
  publicKey: "sTugzCC2AlNfRV89XDRF70v-MPxCv_jVdyLi2tGc80M",
  demo: true,
});
