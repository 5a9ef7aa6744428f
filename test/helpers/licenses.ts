import { generateIssuerKeyPair, issuerPublicKeyFromPem, issuerSignerFromPem } from "../../src/domain/issuer-key";
import type { LicensePayload } from "../../src/domain/license";
import { encodeLicenseFile } from "../../src/domain/license-file";
import { generateMachineUuid } from "../../src/services/machine-identity";
import { DEMO_ISSUER_PRIVATE_KEY_PEM } from "../../src/issuer/demo-issuer-key";
import type { World } from "./world";

export const demoSigner = issuerSignerFromPem(DEMO_ISSUER_PRIVATE_KEY_PEM, true);

/** A vendor key of a test's own, with the public half to trust. */
export function vendorKey() {
  const pair = generateIssuerKeyPair();
  return { signer: issuerSignerFromPem(pair.privateKeyPem), publicKey: issuerPublicKeyFromPem(pair.publicKeyPem) };
}

type Item = LicensePayload["items"][number];

/** A license item: 1,000 scans of dbr 10 (javascript, browser) in 2026; override what a test is about. */
export function licenseItem(overrides: Partial<Item> = {}): Item {
  return {
    itemId: "1000001",
    description: "Scans",
    product: "dbr",
    version: 10,
    edition: "javascript",
    deploymentTypes: ["browser"],
    chargeWay: "scan",
    quantity: 1000,
    startsAt: "2026-01-01T00:00:00.000Z",
    expiresAt: "2027-01-01T00:00:00.000Z",
    modules: [],
    ...overrides,
  } as Item;
}

/** An activated license with one item per charge way that is valid today (2026-11-28). */
export function activatedLicense(uuid: string, overrides: Partial<LicensePayload> = {}): LicensePayload {
  const dates = { startsAt: "2026-01-01T00:00:00.000Z", expiresAt: "2027-06-30T00:00:00.000Z" };
  const item = (itemId: string, chargeWay: Item["chargeWay"], extra: Partial<Item> = {}) => licenseItem({ itemId, description: `${chargeWay} item`, chargeWay, ...dates, ...extra });
  return {
    licenseId: "1000001",
    alias: "Scanner app",
    organizationId: "100200",
    licensee: "Example Corp",
    status: "activated",
    boundUuids: [uuid],
    issuedAt: "2026-11-01T00:00:00.000Z",
    activatedAt: "2026-11-02T00:00:00.000Z",
    items: [item("2000001", "scan"), item("2000002", "device", { windowDays: 365, quantity: 50 }), item("2000003", "concurrent-device", { quantity: 5 })],
    ...overrides,
  } as LicensePayload;
}

export function signed(payload: LicensePayload, signer = demoSigner): string {
  return encodeLicenseFile(payload, signer);
}

/** Generates this test machine's UUID (machine-id + MAC) and waits for the status to show it. */
export async function withMachineUuid(w: World): Promise<string> {
  const { uuid } = await generateMachineUuid(
    { db: w.db, clock: w.clock, actor: { kind: "admin", ip: null }, machine: w.deps.machine },
    { labels: ["machine-id", "mac"] },
  );
  await w.deps.machine.refresh();
  return uuid;
}
