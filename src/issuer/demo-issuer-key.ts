/**
 * THE DEMO ISSUER'S PRIVATE KEY: PUBLIC ON PURPOSE. Anyone can sign license files with it
 * (`lts-vendor ... --demo`), so it must never protect anything real. Only builds of lts made
 * without --issuer-key trust it (src/trusted-issuers.ts); a build made with --issuer-key refuses
 * every file it signed. Its public half is DEMO_ISSUER in src/domain/demo-issuer.ts.
 */
export const DEMO_ISSUER_PRIVATE_KEY_PEM = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEINeP1DLEDsCA7s0juWucczxqbytuE92EwDuboORPvNXS
-----END PRIVATE KEY-----
`;
