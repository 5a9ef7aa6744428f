import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import * as v from "valibot";
import { CHARGE_WAYS, describeIssues, graceDaysOf, itemServesUntil, LicensePayload, LicenseSpec, validate } from "../../src/domain/license";
import { licenseItem } from "../helpers/licenses";

const UUID = "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0";

const item = (overrides: Record<string, unknown> = {}) => ({ ...licenseItem({ description: "Scans for the web app", modules: ["qr"] }), ...overrides });

const spec = (items: unknown[] = [item()], overrides: Record<string, unknown> = {}) => ({ alias: "Acme", organizationId: "100200", licensee: "Acme Corp", items, ...overrides });

const payload = (overrides: Record<string, unknown> = {}) => ({
  licenseId: "2001",
  ...spec(),
  status: "activated",
  boundUuids: [UUID],
  issuedAt: "2026-01-01T00:00:00.000Z",
  activatedAt: "2026-01-02T00:00:00.000Z",
  ...overrides,
});

/** The problems validation reports; fails the test when there are none. */
function problems(schema: Parameters<typeof validate>[0], input: unknown): string[] {
  const result = validate(schema, input);
  if (result.success) throw new Error("expected the input to be refused");
  return result.problems;
}

const specProblems = (input: unknown) => problems(LicenseSpec, input);

describe("SPEC.json", () => {
  test("README's example, one item of every charge way, is valid", () => {
    const readme = readFileSync(resolve(import.meta.dir, "../../README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## lts-vendor: issuing license files"));
    const json = section.match(/```json\n([\s\S]*?)```/)?.[1];
    const result = validate(LicenseSpec, JSON.parse(json!));
    expect(result).toMatchObject({ success: true });
    if (result.success) expect(result.output.items.map((i) => i.chargeWay).sort()).toEqual([...CHARGE_WAYS].sort());
  });

  test("licenseId and item ids may be left out (lts-vendor generates them)", () => {
    const { itemId: _, ...withoutId } = item();
    expect(validate(LicenseSpec, spec([withoutId]))).toMatchObject({ success: true });
  });

  test("a negative quantity names the field and the range", () => {
    expect(specProblems(spec([item({ quantity: -5 })]))).toEqual(["items[0].quantity: must be a whole number from 1 to 9007199254740991"]);
  });

  test("a quantity that is 0, fractional, too large or a string is refused the same way", () => {
    for (const quantity of [0, 1.5, 2 ** 53, "1000", null]) {
      expect(specProblems(spec([item({ quantity })]))).toEqual(["items[0].quantity: must be a whole number from 1 to 9007199254740991"]);
    }
    expect(validate(LicenseSpec, spec([item({ quantity: Number.MAX_SAFE_INTEGER })]))).toMatchObject({ success: true });
  });

  test("an expiry before (or at) the start names expiresAt", () => {
    for (const expiresAt of ["2025-06-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"]) {
      expect(specProblems(spec([item(), item({ itemId: "1000002", expiresAt })]))).toEqual(["items[1].expiresAt: must be after startsAt (2026-01-01T00:00:00.000Z)"]);
    }
  });

  test("an unknown charge way names chargeWay and lists the six", () => {
    expect(specProblems(spec([item({ chargeWay: "per-seat" })]))).toEqual([
      "items[0].chargeWay: must be one of device, concurrent-device, concurrent-instance, scan, page or domain",
    ]);
  });

  test("a device item needs windowDays, one of 365, 90, 30 or 1", () => {
    expect(specProblems(spec([item({ chargeWay: "device" })]))).toEqual(['items[0].windowDays: is required for chargeWay "device": one of 365, 90, 30 or 1 (days)']);
    expect(specProblems(spec([item({ chargeWay: "device", windowDays: 7 })]))).toEqual(["items[0].windowDays: must be one of 365, 90, 30 or 1 (days)"]);
    for (const windowDays of [365, 90, 30, 1]) expect(validate(LicenseSpec, spec([item({ chargeWay: "device", windowDays })]))).toMatchObject({ success: true });
  });

  test("windowDays on any other charge way is refused", () => {
    expect(specProblems(spec([item({ chargeWay: "domain", windowDays: 30 })]))).toEqual(['items[0].windowDays: is only for chargeWay "device"; remove it from this domain item']);
  });

  test("times must be ISO-8601 UTC with milliseconds, and real dates", () => {
    for (const startsAt of ["2026-01-01T00:00:00Z", "2026-01-01", "2026-01-01T00:00:00.000+01:00", "2026-02-30T00:00:00.000Z", "yesterday", 1767225600000]) {
      expect(specProblems(spec([item({ startsAt })]))).toEqual(["items[0].startsAt: must be an ISO-8601 UTC time with milliseconds, e.g. 2026-11-28T12:03:00.000Z"]);
    }
  });

  test("deployment types: a non-empty list of distinct known types", () => {
    const message = "items[0].deploymentTypes: must be a list of 1 to 5 distinct deployment types among browser, mobile, server, desktop or embedded";
    expect(specProblems(spec([item({ deploymentTypes: [] })]))).toEqual([message]);
    expect(specProblems(spec([item({ deploymentTypes: ["browser", "browser"] })]))).toEqual([message]);
    expect(specProblems(spec([item({ deploymentTypes: ["browser", "cloud"] })]))).toEqual(["items[0].deploymentTypes[1]: must be one of browser, mobile, server, desktop or embedded"]);
  });

  test("other item fields: version, graceDays, modules, ids, text", () => {
    expect(specProblems(spec([item({ version: -1 })]))).toEqual(["items[0].version: must be the major version: a whole number from 0 to 9007199254740991"]);
    expect(specProblems(spec([item({ graceDays: 366 })]))).toEqual(["items[0].graceDays: must be a whole number of days from 0 to 365 (default 7)"]);
    expect(specProblems(spec([item({ modules: ["qr", "qr"] })]))).toEqual(["items[0].modules: must be a list of up to 100 distinct module names (an empty list for none)"]);
    expect(specProblems(spec([item({ itemId: "A-1" })]))).toEqual(['items[0].itemId: must be a string of 1 to 20 digits, e.g. "1000001"']);
    expect(specProblems(spec([item({ itemId: 1000001 })]))).toEqual(['items[0].itemId: must be a string of 1 to 20 digits, e.g. "1000001"']);
    expect(specProblems(spec([item({ product: " dbr" })]))[0]).toStartWith("items[0].product: must be text of 1 to 64 characters");
    expect(specProblems(spec([item({ edition: "" })]))[0]).toStartWith("items[0].edition: must be text of 1 to 64 characters");
  });

  test("item ids must be unique within the file", () => {
    expect(specProblems(spec([item(), item()]))).toEqual(["items: item ids must be unique within the file; 1000001 appears more than once"]);
  });

  test("unknown and missing fields are named, with what is allowed", () => {
    const [unknown] = specProblems(spec([item({ colour: "red" })]));
    expect(unknown).toStartWith("items[0].colour: is not a field of an item; the fields are itemId, description, product");
    const { quantity: _, ...withoutQuantity } = item();
    expect(specProblems(spec([withoutQuantity]))).toEqual(["items[0].quantity: is required; it must be a whole number from 1 to 9007199254740991"]);
    expect(specProblems(spec([item()], { status: "new" }))[0]).toStartWith("status: is not a field of a license spec; the fields are licenseId, alias, organizationId, licensee, items");
    expect(specProblems(spec([]))).toEqual(["items: must be a list of at least one item"]);
    expect(specProblems("a spec")).toEqual(["must be a license spec: a JSON object with the fields licenseId, alias, organizationId, licensee, items"]);
  });

  test("organizationId: 1 to 32 letters or digits, no '-'", () => {
    for (const organizationId of ["100-200", "", "a".repeat(33), "acme corp"]) {
      expect(specProblems(spec([item()], { organizationId }))).toEqual(["organizationId: must be 1 to 32 letters or digits (A-Z, a-z, 0-9; no '-')"]);
    }
  });

  test("every problem is reported at once", () => {
    expect(specProblems(spec([item({ quantity: -1, chargeWay: "nope" })], { organizationId: "a-b" }))).toHaveLength(3);
  });
});

describe("license payload", () => {
  test("an activated license with one or two UUIDs is valid; a new one has none and no activatedAt", () => {
    expect(validate(LicensePayload, payload())).toMatchObject({ success: true });
    expect(validate(LicensePayload, payload({ boundUuids: [UUID, "00000000-0000-0000-0000-00000000000A"] }))).toMatchObject({ success: true });
    expect(validate(LicensePayload, payload({ status: "new", boundUuids: [], activatedAt: null }))).toMatchObject({ success: true });
    const { activatedAt: _, ...withoutActivatedAt } = payload({ status: "new", boundUuids: [] });
    expect(validate(LicensePayload, withoutActivatedAt)).toMatchObject({ success: true });
  });

  test("a bad UUID names boundUuids and the form a UUID has", () => {
    for (const uuid of ["0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "0F1E2D3C4B5A697887 96A5B4C3D2E1F0", "server-1", ""]) {
      expect(problems(LicensePayload, payload({ boundUuids: [uuid] }))).toEqual([
        "boundUuids[0]: must be a server UUID: upper-case hex digits 8-4-4-4-12, e.g. 0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0 (`lts uuid` prints it)",
      ]);
    }
  });

  test("status decides boundUuids, activatedAt, items and revokes", () => {
    expect(problems(LicensePayload, payload({ status: "new", activatedAt: null }))).toEqual(["boundUuids: must be empty for a new license: it is bound to server UUIDs when activated"]);
    expect(problems(LicensePayload, payload({ boundUuids: [] }))).toEqual(["boundUuids: must list 1 or 2 server UUIDs for an activated license"]);
    expect(problems(LicensePayload, payload({ boundUuids: [UUID, UUID] }))).toEqual(["boundUuids: must be a list of up to 2 distinct server UUIDs"]);
    expect(problems(LicensePayload, payload({ activatedAt: null }))).toEqual(["activatedAt: is required once a license is activated: an ISO-8601 UTC time with milliseconds"]);
    expect(problems(LicensePayload, payload({ items: [] }))).toEqual(["items: must list at least one item"]);
    expect(problems(LicensePayload, payload({ revokes: ["1000001"] }))).toEqual(["revokes: is only for a revocation; remove it"]);
    expect(problems(LicensePayload, payload({ status: "revocation", items: [] }))).toEqual(['revokes: is required for a revocation: the item ids it revokes, e.g. ["1000001"]']);
    expect(problems(LicensePayload, payload({ status: "revoked" }))).toEqual(["status: must be one of new, activated or revocation"]);
  });

  test("a revocation lists the item ids it revokes and may have no items", () => {
    expect(validate(LicensePayload, payload({ status: "revocation", items: [], revokes: ["1000001", "1000002"] }))).toMatchObject({ success: true });
    expect(problems(LicensePayload, payload({ status: "revocation", items: [], revokes: [] }))).toEqual(["revokes: must be a list of 1 to 1000 distinct item ids"]);
  });

  test("the item ids of a file are unique", () => {
    expect(problems(LicensePayload, payload({ items: [item(), item({ itemId: "1000002" }), item({ itemId: "1000002" })] }))).toEqual([
      "items: item ids must be unique within the file; 1000002 appears more than once",
    ]);
  });
});

describe("helpers", () => {
  test("describeIssues writes paths as a.b[2].c, without repeats", () => {
    const schema = v.object({ a: v.object({ b: v.array(v.object({ c: v.number("must be a number") })) }) });
    const result = v.safeParse(schema, { a: { b: [{ c: 1 }, { c: 2 }, { c: "x" }] } });
    expect(describeIssues(result.issues!)).toEqual(["a.b[2].c: must be a number"]);
  });

  test("grace defaults to 7 days; an item serves until expiry plus grace", () => {
    expect(graceDaysOf({})).toBe(7);
    expect(graceDaysOf({ graceDays: 0 })).toBe(0);
    expect(itemServesUntil({ expiresAt: "2027-01-01T00:00:00.000Z" }).toISOString()).toBe("2027-01-08T00:00:00.000Z");
    expect(itemServesUntil({ expiresAt: "2027-01-01T00:00:00.000Z", graceDays: 14 }).toISOString()).toBe("2027-01-15T00:00:00.000Z");
  });
});
