import { describe, expect, test } from "bun:test";
import { AppError } from "../../src/domain/errors";
import { planImport, type FileForImport, type KnownItem, type KnownLicense } from "../../src/domain/license-import";

const HERE = "0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9";
const THERE = "FFFFFFFF-0000-1111-2222-333333333333";
const NOW = new Date("2026-11-28T12:00:00.000Z");

function file(overrides: Partial<FileForImport["payload"]> = {}, sha = "sha-1"): FileForImport {
  return {
    payloadSha256: sha,
    payload: {
      licenseId: "1000001",
      organizationId: "100200",
      status: "activated",
      boundUuids: [HERE],
      issuedAt: "2026-11-20T00:00:00.000Z",
      activatedAt: "2026-11-21T00:00:00.000Z",
      items: [
        { itemId: "2000001", startsAt: "2026-01-01T00:00:00.000Z", expiresAt: "2027-01-01T00:00:00.000Z" },
        { itemId: "2000002", startsAt: "2027-01-01T00:00:00.000Z", expiresAt: "2028-01-01T00:00:00.000Z" },
      ],
      ...overrides,
    },
  };
}

const known = (license: Partial<KnownLicense> = {}): KnownLicense => ({ licenseId: "1000001", boundUuids: [HERE], payloadSha256: "sha-1", importedAt: new Date("2026-11-01T00:00:00.000Z"), lastImportedAt: new Date("2026-11-03T00:00:00.000Z"), issuedAt: new Date("2026-11-01T00:00:00.000Z"), activatedAt: new Date("2026-11-02T00:00:00.000Z"), itemIds: ["2000001", "2000002"], ...license });
const items = (...list: KnownItem[]) => new Map(list.map((i) => [i.itemId, i]));

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("VALIDATION");
    return (err as AppError).details.fields!.file!;
  }
  throw new Error("expected a refusal");
}

describe("planning an import", () => {
  test("a new activated license for this UUID is added; items not yet valid are accepted", () => {
    const plan = planImport({ file: file(), thisUuid: HERE, now: NOW, existing: null, knownItems: new Map() });
    expect(plan).toMatchObject({ kind: "new", droppedItemIds: [], notYetValidItemIds: ["2000002"] });
  });

  test("refused before a machine UUID exists", () => {
    expect(refusal(() => planImport({ file: file(), thisUuid: null, now: NOW, existing: null, knownItems: new Map() }))).toMatch(/no machine UUID yet/);
  });

  test("refuses an unactivated file, saying which UUID to activate it for", () => {
    const message = refusal(() => planImport({ file: file({ status: "new", boundUuids: [] }), thisUuid: HERE, now: NOW, existing: null, knownItems: new Map() }));
    expect(message).toContain(`activate --uuid ${HERE}`);
  });

  test("refuses a file bound to another UUID, showing this server's UUID", () => {
    const message = refusal(() => planImport({ file: file({ boundUuids: [THERE] }), thisUuid: HERE, now: NOW, existing: null, knownItems: new Map() }));
    expect(message).toContain(THERE);
    expect(message).toContain(`whose UUID is ${HERE}`);
  });

  test("accepts a file bound to a main and a standby when this server is the standby", () => {
    expect(planImport({ file: file({ boundUuids: [THERE, HERE] }), thisUuid: HERE, now: NOW, existing: null, knownItems: new Map() }).kind).toBe("new");
  });

  test("refuses a file whose every item is past expiry plus grace", () => {
    const expired = [{ itemId: "2000001", startsAt: "2025-01-01T00:00:00.000Z", expiresAt: "2026-11-21T00:00:00.000Z" }];
    expect(refusal(() => planImport({ file: file({ items: expired }), thisUuid: HERE, now: NOW, existing: null, knownItems: new Map() }))).toMatch(/Every item in this file has expired \(the last on 2026-11-21/);
    // …but within its grace it is still accepted.
    const inGrace = [{ itemId: "2000001", startsAt: "2025-01-01T00:00:00.000Z", expiresAt: "2026-11-22T00:00:00.000Z" }];
    expect(planImport({ file: file({ items: inGrace }), thisUuid: HERE, now: NOW, existing: null, knownItems: new Map() }).kind).toBe("new");
  });

  test("the same file again is a no-op that says so", () => {
    const plan = planImport({ file: file(), thisUuid: HERE, now: NOW, existing: known(), knownItems: new Map() });
    expect(plan).toEqual({ kind: "no-op", message: expect.stringContaining("already imported from this very file on 2026-11-01") });
  });

  test("the same license activated for a new UUID set is a rebind that keeps usage", () => {
    const plan = planImport({ file: file(), thisUuid: HERE, now: NOW, existing: known({ boundUuids: [THERE], payloadSha256: "old" }), knownItems: new Map() });
    expect(plan).toMatchObject({ kind: "rebind", droppedItemIds: [] });
    expect(plan.message).toContain(`from ${THERE} to ${HERE}`);
  });

  test("a newer file for the same UUIDs is an update; items it no longer has are dropped", () => {
    const plan = planImport({ file: file({ items: [file().payload.items[0]!] }, "sha-2"), thisUuid: HERE, now: NOW, existing: known(), knownItems: new Map() });
    expect(plan).toMatchObject({ kind: "update", droppedItemIds: ["2000002"] });
  });

  describe("a file older than the stored one (a rollback)", () => {
    const older = "This file is older than the one imported on 2026-11-03: import the newest file from your vendor.";
    test("issued earlier is refused, whatever its activation date: an old file cannot restore a bigger quantity", () => {
      const stored = known({ issuedAt: new Date("2026-11-10T00:00:00.000Z"), payloadSha256: "sha-new" });
      expect(refusal(() => planImport({ file: file({ issuedAt: "2026-11-09T23:59:59.999Z", activatedAt: "2026-11-27T00:00:00.000Z" }), thisUuid: HERE, now: NOW, existing: stored, knownItems: new Map() }))).toBe(older);
    });

    test("the same issue date activated earlier is refused; activated later it is a rebind", () => {
      const stored = known({ issuedAt: new Date("2026-11-20T00:00:00.000Z"), activatedAt: new Date("2026-11-22T00:00:00.000Z"), payloadSha256: "sha-new" });
      expect(refusal(() => planImport({ file: file({ activatedAt: "2026-11-21T00:00:00.000Z" }), thisUuid: HERE, now: NOW, existing: stored, knownItems: new Map() }))).toBe(older);
      expect(planImport({ file: file({ activatedAt: "2026-11-23T00:00:00.000Z", boundUuids: [HERE, THERE] }), thisUuid: HERE, now: NOW, existing: stored, knownItems: new Map() }).kind).toBe("rebind");
    });

    test("the same dates with another payload are refused", () => {
      const stored = known({ issuedAt: new Date("2026-11-20T00:00:00.000Z"), activatedAt: new Date("2026-11-21T00:00:00.000Z"), payloadSha256: "sha-other" });
      expect(refusal(() => planImport({ file: file(), thisUuid: HERE, now: NOW, existing: stored, knownItems: new Map() }))).toMatch(/same dates as the one imported on 2026-11-03 but other contents/);
    });
  });

  test("refuses items that belong to another license", () => {
    const owned = items({ itemId: "2000002", licenseId: "999", organizationId: "100200", revoked: false });
    expect(refusal(() => planImport({ file: file(), thisUuid: HERE, now: NOW, existing: null, knownItems: owned }))).toMatch(/Item 2000002 already belongs to license 999/);
  });

  describe("revocations", () => {
    const revocation = (revokes: string[]) => file({ status: "revocation", licenseId: "5000001", items: [], revokes });
    const mine = items({ itemId: "2000001", licenseId: "1000001", organizationId: "100200", revoked: false }, { itemId: "2000002", licenseId: "1000001", organizationId: "100200", revoked: true });

    test("revoke the items not revoked yet", () => {
      expect(planImport({ file: revocation(["2000001", "2000002"]), thisUuid: HERE, now: NOW, existing: null, knownItems: mine })).toMatchObject({ kind: "revocation", revokes: ["2000001"] });
    });

    test("are a no-op when every item is revoked already", () => {
      expect(planImport({ file: revocation(["2000002"]), thisUuid: HERE, now: NOW, existing: null, knownItems: mine }).kind).toBe("no-op");
    });

    test("refuse unknown items, or items of another organization, naming them", () => {
      expect(refusal(() => planImport({ file: revocation(["2000001", "7777777"]), thisUuid: HERE, now: NOW, existing: null, knownItems: mine }))).toMatch(/item\(s\) 7777777, which this server does not have/);
      const otherOrg = items({ itemId: "2000001", licenseId: "1", organizationId: "300400", revoked: false });
      expect(refusal(() => planImport({ file: revocation(["2000001"]), thisUuid: HERE, now: NOW, existing: null, knownItems: otherOrg }))).toMatch(/2000001/);
    });

    test("must be bound to this server too", () => {
      expect(refusal(() => planImport({ file: { ...revocation(["2000001"]), payload: { ...revocation(["2000001"]).payload, boundUuids: [THERE] } }, thisUuid: HERE, now: NOW, existing: null, knownItems: mine }))).toContain(THERE);
    });
  });
});
