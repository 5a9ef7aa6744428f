import { describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { handshakeCodeItems, handshakeCodes, licenseItems } from "../../src/db/schema";
import type { FakeLabelReader } from "../helpers/fake-labels";
import {
  addCode,
  apiWorld,
  authorizationTotals,
  authorizeBody,
  CODE,
  deviceId,
  freshNonce,
  importLicense,
  post,
  reportBody,
  slotIso,
  updateCode,
  usageState,
  type ApiWorld,
  type Answer,
} from "../helpers/api";
import { createWorld } from "../helpers/world";

// PROTOCOL.md, "Error codes" and "Order": 1, 100, 123, 121 (org unknown), 101, 122, 121 (org only,
// no default), 102, 103/114, then the items in consumption order, each checked product, version,
// deployment, edition, charge way, start, revocation, expiry, instances, capacity.

const refusedWith = (a: Answer, code: number, http: number) => {
  expect({ status: a.status, code: a.body.error?.code }, a.body.error?.message).toEqual({ status: http, code });
};

/** Runs `act` and checks it changed no usage table and counted one refused authorization. */
async function changesNothing(api: ApiWorld, act: () => Promise<Answer>, refusedCount = 1): Promise<Answer> {
  const before = usageState(api.w);
  const counted = authorizationTotals(api.w);
  const answer = await act();
  expect(answer.body.ok).toBe(false);
  expect(usageState(api.w)).toEqual(before);
  expect(authorizationTotals(api.w)).toEqual({ granted: counted.granted, refused: counted.refused + refusedCount });
  return answer;
}

describe("code 1: the body does not fit the schema (checked first, changes nothing)", () => {
  const authorizeCases: [string, (b: Record<string, unknown>) => unknown][] = [
    ["a version given as a string", (b) => ({ ...b, version: "10" })],
    ["a missing product", ({ product: _, ...b }) => b],
    ["a missing device", ({ device: _, ...b }) => b],
    ["a missing nonce", ({ nonce: _, ...b }) => b],
    ["an unknown top-level field", (b) => ({ ...b, licenseKey: "x" })],
    ["an unknown field in device", (b) => ({ ...b, device: { uuid: deviceId(1), os: "linux" } })],
    ["an unknown field in validation", (b) => ({ ...b, validation: { host: "example.com" } })],
    ["a version past 2^53", (b) => ({ ...b, version: 2 ** 53 })],
    ["a negative version", (b) => ({ ...b, version: -1 })],
    ["a fractional version", (b) => ({ ...b, version: 10.5 })],
    ["zero instances", (b) => ({ ...b, instances: 0 })],
    ["fractional instances", (b) => ({ ...b, instances: 1.5 })],
    ["a nonce too short", (b) => ({ ...b, nonce: "abc" })],
    ["a nonce with a space", (b) => ({ ...b, nonce: "abcdefgh ijklmnopq" })],
    ["a device uuid of 7 characters", (b) => ({ ...b, device: { uuid: "1234567" } })],
    ["a device uuid with a dot", (b) => ({ ...b, device: { uuid: "device.0001" } })],
    ["a device name over 64 characters", (b) => ({ ...b, device: { uuid: deviceId(1), name: "n".repeat(65) } })],
    ["an unknown deployment type", (b) => ({ ...b, deploymentType: "cloud" })],
    ["an unknown charge way", (b) => ({ ...b, chargeWay: "seat" })],
    ["modules that are not a list", (b) => ({ ...b, modules: "qr" })],
    ["101 modules", (b) => ({ ...b, modules: Array.from({ length: 101 }, (_, i) => `m${i}`) })],
    ["an empty product", (b) => ({ ...b, product: "" })],
    ["a handshake code without an organization", (b) => ({ ...b, handshakeCode: "appA" })],
    ["an organization id with a dash", (b) => ({ ...b, organizationId: "100-200" })],
    ["null for an optional field", (b) => ({ ...b, sessionPassword: null })],
    ["an array as the body", (b) => [b]],
    ["null as the body", () => null],
  ];
  for (const [what, mutate] of authorizeCases) {
    test(`authorize: ${what}`, async () => {
      const api = await apiWorld();
      const a = await changesNothing(api, () => api.post("authorize", mutate(authorizeBody())), 0);
      refusedWith(a, 1, 400);
      expect(a.body.error.name).toBe("INVALID_REQUEST");
    });
  }

  test("authorize: a number written 1e400 (Infinity once parsed) is refused", async () => {
    const api = await apiWorld();
    const text = JSON.stringify(authorizeBody()).replace('"version":10', '"version":1e400');
    refusedWith(await changesNothing(api, () => api.post("authorize", text), 0), 1, 400);
  });

  test("the message names the field that is wrong", async () => {
    const api = await apiWorld();
    const a = await api.post("authorize", { ...authorizeBody(), version: 1.5, colour: "red" });
    expect(a.body.error.message).toMatch(/version/);
    expect(a.body.error.message).toMatch(/colour/);
  });

  const reportCases: [string, (w: ApiWorld["w"], b: Record<string, unknown>) => unknown][] = [
    ["empty records", (_, b) => ({ ...b, records: [] })],
    ["1001 records", (w, b) => ({ ...b, records: Array.from({ length: 1001 }, () => ({ slot: slotIso(w), counts: { scans: 1 } })) })],
    ["33 counter names", (w, b) => ({ ...b, records: [{ slot: slotIso(w), counts: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`m${i}`, 1])) }] })],
    ["a negative count", (w, b) => ({ ...b, records: [{ slot: slotIso(w), counts: { scans: -1 } }] })],
    ["a fractional count", (w, b) => ({ ...b, records: [{ slot: slotIso(w), counts: { scans: 0.5 } }] })],
    ["a count past 2^53 − 1", (w, b) => ({ ...b, records: [{ slot: slotIso(w), counts: { scans: 2 ** 53 } }] })],
    ["a count given as a string", (w, b) => ({ ...b, records: [{ slot: slotIso(w), counts: { scans: "1" } }] })],
    ["a counter name with a space", (w, b) => ({ ...b, records: [{ slot: slotIso(w), counts: { "q r": 1 } }] })],
    ["a counter named __proto__", (w) => JSON.stringify(reportBody(w)).replace('"scans":1', '"__proto__":1')],
    ["a counter named constructor", (w, b) => ({ ...b, records: [{ slot: slotIso(w), counts: { constructor: 1 } }] })],
    ["counts given as a list", (w, b) => ({ ...b, records: [{ slot: slotIso(w), counts: [5] }] })],
    ["an unknown field in a record", (w, b) => ({ ...b, records: [{ slot: slotIso(w), counts: {}, device: "x" }] })],
    ["a slot not on a 3-minute boundary", (_, b) => ({ ...b, records: [{ slot: "2026-11-28T12:01:00.000Z", counts: { scans: 1 } }] })],
    ["a slot with stray milliseconds", (_, b) => ({ ...b, records: [{ slot: "2026-11-28T12:00:00.001Z", counts: { scans: 1 } }] })],
    ["a slot without milliseconds", (_, b) => ({ ...b, records: [{ slot: "2026-11-28T12:00:00Z", counts: { scans: 1 } }] })],
    ["a slot that is not a time", (_, b) => ({ ...b, records: [{ slot: "yesterday", counts: { scans: 1 } }] })],
    ["a slot more than 5 minutes ahead", (w, b) => ({ ...b, records: [{ slot: slotIso(w, 2), counts: { scans: 1 } }] })],
    ["a slot older than 30 days", (w, b) => ({ ...b, records: [{ slot: slotIso(w, -480 * 30 - 1), counts: { scans: 1 } }] })],
    ["a reportId of 7 characters", (_, b) => ({ ...b, reportId: "1234567" })],
    ["a missing itemId", (_, b) => ({ ...b, itemId: undefined })],
    ["an itemId that is not digits", (_, b) => ({ ...b, itemId: "item-1" })],
    ["a missing handshake code (reports need one)", (_, b) => ({ ...b, handshakeCode: undefined })],
  ];
  for (const [what, mutate] of reportCases) {
    test(`report: ${what}`, async () => {
      const api = await apiWorld();
      await api.authorize();
      const a = await changesNothing(api, () => api.post("report", mutate(api.w, reportBody(api.w))), 0);
      refusedWith(a, 1, 400);
    });
  }

  test("release: a missing item id or an unknown field", async () => {
    const api = await apiWorld();
    refusedWith(await api.post("release", { handshakeCode: CODE, device: { uuid: deviceId(1) }, nonce: freshNonce() }), 1, 400);
    refusedWith(await api.post("release", { handshakeCode: CODE, itemId: "2000001", device: { uuid: deviceId(1) }, nonce: freshNonce(), instances: 1 }), 1, 400);
  });

  test("code 1 comes before 100: a bad body to a server with no UUID yet", async () => {
    const w = createWorld();
    await w.deps.machine.settled();
    refusedWith(await post(w, "authorize", { ...authorizeBody(), version: -1 }), 1, 400);
    refusedWith(await post(w, "authorize", authorizeBody()), 100, 503);
  });
});

describe("code 100: not ready", () => {
  test("no machine UUID generated yet: authorize and report are refused with 503", async () => {
    const w = createWorld();
    await w.deps.machine.settled();
    const a = await post(w, "authorize", authorizeBody({ handshakeCode: undefined }));
    refusedWith(a, 100, 503);
    expect(a.body.error.name).toBe("NOT_READY");
    refusedWith(await post(w, "report", reportBody(w)), 100, 503);
  });

  test("a hardware binding mismatch refuses clients until the labels match again", async () => {
    const api = await apiWorld();
    expect((await api.authorize()).status).toBe(200);
    const labels = api.w.labels as FakeLabelReader;
    const mac = labels.values.mac;
    labels.values.mac = "52:54:00:aa:bb:cc";
    await api.w.deps.machine.refresh();
    const before = usageState(api.w);
    const a = await api.authorize({ device: { uuid: deviceId(2) } });
    refusedWith(a, 100, 503);
    expect(a.body.error.message).toMatch(/mismatch/);
    refusedWith(await api.authorize({ handshakeCode: undefined }), 100, 503); // 100 before 123
    refusedWith(await api.report(), 100, 503);
    expect(usageState(api.w)).toEqual(before);
    labels.values.mac = mac;
    await api.w.deps.machine.refresh();
    expect((await api.authorize({ device: { uuid: deviceId(2) } })).status).toBe(200);
  });

  test("a NOT_READY authorize is counted for statistics like every other refusal", async () => {
    const api = await apiWorld();
    (api.w.labels as FakeLabelReader).values.mac = "52:54:00:aa:bb:cc";
    await api.w.deps.machine.refresh();
    await changesNothing(api, () => api.authorize());
  });
});

describe("the code checks, in order", () => {
  test("123: neither a handshake code nor an organization", async () => {
    const api = await apiWorld();
    const a = await changesNothing(api, () => api.authorize({ handshakeCode: undefined }));
    refusedWith(a, 123, 400);
    expect(a.body.error.name).toBe("NO_HANDSHAKE");
  });

  test("121: the organization given is unknown — before the code is looked at", async () => {
    const api = await apiWorld();
    refusedWith(await changesNothing(api, () => api.authorize({ organizationId: "999999" })), 121, 404);
    refusedWith(await api.authorize({ organizationId: "999999", handshakeCode: "999999-nothing" }), 121, 404);
    refusedWith(await api.authorize({ organizationId: "999999", handshakeCode: undefined }), 121, 404);
  });

  test("101: the code is unknown, or disabled", async () => {
    const api = await apiWorld();
    refusedWith(await changesNothing(api, () => api.authorize({ handshakeCode: "100200-other" })), 101, 404);
    updateCode(api.w, CODE, { enabled: false });
    const a = await changesNothing(api, () => api.authorize());
    refusedWith(a, 101, 404);
    expect(a.body.error.name).toBe("HANDSHAKE_NOT_FOUND");
    refusedWith(await api.authorize({ organizationId: "100200" }), 101, 404);
    updateCode(api.w, CODE, { enabled: true });
    expect((await api.authorize()).status).toBe(200);
  });

  test("101 comes before 122: an unknown code with a known organization", async () => {
    const api = await apiWorld();
    addCode(api.w, "300300-main", { isDefault: true });
    refusedWith(await api.authorize({ organizationId: "300300", handshakeCode: "100200-nothing" }), 101, 404);
  });

  test("122: the code belongs to another organization than the one given", async () => {
    const api = await apiWorld();
    addCode(api.w, "300300-main", { isDefault: true });
    const a = await changesNothing(api, () => api.authorize({ organizationId: "300300" }));
    refusedWith(a, 122, 403);
    expect(a.body.error.name).toBe("HANDSHAKE_ORG_MISMATCH");
    expect((await api.authorize({ organizationId: "100200" })).status).toBe(200);
  });

  test("an organization alone is served by its default code", async () => {
    const api = await apiWorld();
    const a = await api.authorize({ handshakeCode: undefined, organizationId: "100200" });
    expect(a.status).toBe(200);
    expect(a.body.license.handshakeCode).toBe(CODE);
  });

  test("121: an organization alone that has no enabled default code", async () => {
    const api = await apiWorld();
    addCode(api.w, "300300-side", { isDefault: false });
    refusedWith(await changesNothing(api, () => api.authorize({ handshakeCode: undefined, organizationId: "300300" })), 121, 404);
    updateCode(api.w, CODE, { enabled: false });
    refusedWith(await api.authorize({ handshakeCode: undefined, organizationId: "100200" }), 121, 404);
  });

  test("122 comes before 121 (no default) and 102 comes after both", async () => {
    const api = await apiWorld();
    addCode(api.w, "300300-side", { isDefault: false });
    updateCode(api.w, CODE, { sessionPasswordMac: api.w.deps.instanceKey.mac("pw") });
    refusedWith(await api.authorize({ organizationId: "300300" }), 122, 403);
    refusedWith(await api.authorize({ organizationId: "100200" }), 102, 403);
  });

  test("102: the code has a session password and the request's does not match", async () => {
    const api = await apiWorld();
    updateCode(api.w, CODE, { sessionPasswordMac: api.w.deps.instanceKey.mac("s3cret pw") });
    refusedWith(await changesNothing(api, () => api.authorize()), 102, 403);
    const a = await changesNothing(api, () => api.authorize({ sessionPassword: "s3cret PW" }));
    refusedWith(a, 102, 403);
    expect(a.body.error.name).toBe("BAD_SESSION_PASSWORD");
    expect(a.body.error.message).not.toContain("s3cret");
    expect((await api.authorize({ sessionPassword: "s3cret pw" })).status).toBe(200);
  });

  test("102 applies to reports as well", async () => {
    const api = await apiWorld();
    await api.authorize();
    updateCode(api.w, CODE, { sessionPasswordMac: api.w.deps.instanceKey.mac("pw") });
    refusedWith(await api.report(), 102, 403);
    expect((await api.report({ sessionPassword: "pw" })).status).toBe(200);
  });

  test("102 comes before 103 and 114", async () => {
    const api = await apiWorld();
    updateCode(api.w, CODE, { sessionPasswordMac: api.w.deps.instanceKey.mac("pw"), validationDomains: ["example.com"], validationAppIds: ["com.example.app"] });
    refusedWith(await api.authorize({}, { origin: "https://evil.test" }), 102, 403);
    refusedWith(await api.authorize({ sessionPassword: "pw" }, { origin: "https://evil.test" }), 103, 403);
  });
});

describe("code 3: repeated wrong session passwords from one address", () => {
  test("after 10 wrong passwords in a minute the address is refused with Retry-After; others are not; a minute later it works", async () => {
    const api = await apiWorld();
    updateCode(api.w, CODE, { sessionPasswordMac: api.w.deps.instanceKey.mac("pw") });
    const guesser = { ip: "203.0.113.66" };
    for (let i = 0; i < 10; i++) {
      refusedWith(await api.authorize({ sessionPassword: `guess-${i}` }, guesser), 102, 403);
      api.w.clock.advance(1000);
    }
    // 10 s after the first guess: 50 s to wait, even with the right password now.
    const limited = await api.authorize({ sessionPassword: "pw" }, guesser);
    refusedWith(limited, 3, 429);
    expect(limited.body.error.name).toBe("RATE_LIMITED");
    expect(limited.headers.get("retry-after")).toBe("50");
    refusedWith(await api.report({ sessionPassword: "pw" }, guesser), 3, 429);
    expect((await api.authorize({ sessionPassword: "pw" }, { ip: "203.0.113.67" })).status).toBe(200);
    api.w.clock.advance(50_000);
    expect((await api.authorize({ sessionPassword: "pw" }, guesser)).status).toBe(200);
  });

  test("nine wrong passwords do not limit, and right ones never count", async () => {
    const api = await apiWorld();
    updateCode(api.w, CODE, { sessionPasswordMac: api.w.deps.instanceKey.mac("pw") });
    for (let i = 0; i < 9; i++) await api.authorize({ sessionPassword: "wrong" });
    for (let i = 0; i < 20; i++) expect((await api.authorize({ sessionPassword: "pw" })).status).toBe(200);
  });
});

describe("103 and 114: the code's validation fields", () => {
  test("103: a browser is checked by its Origin; subdomains are allowed; badexample.com is not example.com", async () => {
    const api = await apiWorld();
    updateCode(api.w, CODE, { validationDomains: ["example.com"] });
    for (const origin of ["https://example.com", "https://app.example.com", "http://a.b.example.com:8080", "https://APP.Example.com"]) {
      expect((await api.authorize({}, { origin })).status, origin).toBe(200);
    }
    for (const origin of ["https://badexample.com", "https://example.com.evil.test", "https://example.org", "null"]) {
      const a = await changesNothing(api, () => api.authorize({}, { origin }));
      refusedWith(a, 103, 403);
      expect(a.body.error.name).toBe("DOMAIN_MISMATCH");
    }
  });

  test("103: without an Origin, validation.domain is checked; a missing domain fails", async () => {
    const api = await apiWorld();
    updateCode(api.w, CODE, { validationDomains: ["example.com"] });
    expect((await api.authorize({ validation: { domain: "shop.example.com" } })).status).toBe(200);
    refusedWith(await api.authorize({ validation: { domain: "badexample.com" } }), 103, 403);
    refusedWith(await api.authorize(), 103, 403);
    // A browser cannot claim another domain than its page's.
    refusedWith(await api.authorize({ validation: { domain: "example.com" } }, { origin: "https://evil.test" }), 103, 403);
  });

  test("114: application ids and process names", async () => {
    const api = await apiWorld();
    updateCode(api.w, CODE, { validationAppIds: ["com.example.scanner"] });
    expect((await api.authorize({ validation: { appId: "com.example.scanner" } })).status).toBe(200);
    for (const validation of [{ appId: "com.example.other" }, {}, { processName: "com.example.scanner" }]) {
      const a = await changesNothing(api, () => api.authorize({ validation }));
      refusedWith(a, 114, 403);
      expect(a.body.error.name).toBe("VALIDATION_FIELD_MISMATCH");
    }
    updateCode(api.w, CODE, { validationAppIds: [], validationProcessNames: ["scanner.exe"] });
    expect((await api.authorize({ validation: { processName: "scanner.exe" } })).status).toBe(200);
    refusedWith(await api.authorize({ validation: { processName: "Scanner.exe" } }), 114, 403);
    refusedWith(await api.authorize({ validation: { appId: "scanner.exe" } }), 114, 403);
  });

  test("103 comes before 114", async () => {
    const api = await apiWorld();
    updateCode(api.w, CODE, { validationDomains: ["example.com"], validationAppIds: ["com.example.scanner"] });
    refusedWith(await api.authorize({ validation: { domain: "evil.test", appId: "x" } }), 103, 403);
    refusedWith(await api.authorize({ validation: { domain: "example.com", appId: "x" } }), 114, 403);
  });
});

describe("the items: each is checked in the protocol's order, the first that passes serves", () => {
  const single = (overrides: Record<string, unknown>) => async () => {
    const api = await apiWorld({ items: [{ chargeWay: "scan", quantity: 100, modules: ["qr", "oned"], deploymentTypes: ["browser", "desktop"] }] });
    return { api, answer: await changesNothing(api, () => api.authorize(overrides)) };
  };
  const cases: [number, string, Record<string, unknown>][] = [
    [106, "PRODUCT_MISMATCH", { product: "dlr" }],
    [107, "VERSION_MISMATCH", { version: 9 }],
    [108, "DEPLOYMENT_MISMATCH", { deploymentType: "server" }],
    [109, "EDITION_MISMATCH", { edition: "dotnet" }],
    [115, "CHARGE_WAY_MISMATCH", { chargeWay: "device" }],
    [104, "NO_MATCHING_LICENSE", { modules: ["qr", "pdf417"] }],
  ];
  for (const [code, name, overrides] of cases) {
    test(`${code}: ${name}`, async () => {
      const { answer } = await single(overrides)();
      refusedWith(answer, code, 403);
      expect(answer.body.error.name).toBe(name);
    });
  }

  test("an item fits with any subset of its modules, the desktop deployment, and its own or the auto charge way", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "scan", quantity: 100, modules: ["qr", "oned"], deploymentTypes: ["browser", "desktop"] }] });
    for (const o of [{ modules: ["qr"] }, { modules: [] }, { modules: ["oned", "qr"] }, { deploymentType: "desktop" }, { chargeWay: "scan" }, { chargeWay: "auto" }]) {
      expect((await api.authorize(o)).status, JSON.stringify(o)).toBe(200);
    }
  });

  test("an item with no module list covers every module", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "scan", quantity: 100, modules: [] }] });
    expect((await api.authorize({ modules: ["anything", "at-all"] })).status).toBe(200);
  });

  test("within an item the first failing check in order decides", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "concurrent-instance", quantity: 2, startsAt: "2026-12-01T00:00:00.000Z" }] });
    const ladder: [number, Record<string, unknown>][] = [
      [106, { product: "dlr", version: 9, deploymentType: "server", edition: "dotnet", chargeWay: "scan", instances: 3 }],
      [107, { version: 9, deploymentType: "server", edition: "dotnet", chargeWay: "scan", instances: 3 }],
      [108, { deploymentType: "server", edition: "dotnet", chargeWay: "scan", instances: 3 }],
      [109, { edition: "dotnet", chargeWay: "scan", instances: 3 }],
      [115, { chargeWay: "scan", instances: 3 }],
      [112, { instances: 3 }], // not yet valid, before instances
    ];
    for (const [code, overrides] of ladder) refusedWith(await api.authorize(overrides), code, 403);
    api.w.clock.set("2026-12-01T00:00:00.000Z");
    refusedWith(await api.authorize({ instances: 3 }), 130, 403);
    expect((await api.authorize({ instances: 2 })).status).toBe(200);
  });

  test("112 before the start; served from the start on exactly", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "scan", startsAt: "2026-12-01T00:00:00.000Z" }] });
    const a = await changesNothing(api, () => api.authorize());
    refusedWith(a, 112, 403);
    expect(a.body.error.name).toBe("LICENSE_NOT_YET_VALID");
    api.w.clock.set("2026-11-30T23:59:59.999Z");
    refusedWith(await api.authorize(), 112, 403);
    api.w.clock.set("2026-12-01T00:00:00.000Z");
    expect((await api.authorize()).status).toBe(200);
  });

  test("113 for a revoked item, before its expiry is looked at", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "scan", expiresAt: "2026-12-10T00:00:00.000Z" }] });
    importLicense(api.w, api.uuid, { licenseId: "5000001", status: "revocation", items: [], revokes: ["2000001"] });
    const a = await changesNothing(api, () => api.authorize());
    refusedWith(a, 113, 403);
    expect(a.body.error.name).toBe("LICENSE_REVOKED");
    api.w.clock.set("2027-01-01T00:00:00.000Z");
    refusedWith(await api.authorize(), 113, 403);
  });

  test("111 exactly at expiry plus grace (7 days by default), not a millisecond before", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "scan", expiresAt: "2026-12-10T00:00:00.000Z" }] });
    api.w.clock.set("2026-12-16T23:59:59.999Z");
    const last = await api.authorize();
    expect(last.status).toBe(200);
    expect(last.body.license.validUntil).toBe("2026-12-17T00:00:00.000Z");
    api.w.clock.set("2026-12-17T00:00:00.000Z");
    const a = await changesNothing(api, () => api.authorize());
    refusedWith(a, 111, 403);
    expect(a.body.error.name).toBe("LICENSE_EXPIRED");
  });

  test("111 follows the item's own grace days, 0 included", async () => {
    const api = await apiWorld({
      items: [
        { chargeWay: "scan", expiresAt: "2026-12-10T00:00:00.000Z", graceDays: 0 },
        { chargeWay: "page", expiresAt: "2026-12-10T00:00:00.000Z", graceDays: 30 },
      ],
    });
    api.w.clock.set("2026-12-10T00:00:00.000Z");
    refusedWith(await api.authorize({ chargeWay: "scan" }), 111, 403);
    expect((await api.authorize({ chargeWay: "page" })).body.license.validUntil).toBe("2026-12-13T00:00:00.000Z");
    api.w.clock.set("2027-01-09T00:00:00.000Z");
    refusedWith(await api.authorize({ chargeWay: "page" }), 111, 403);
  });

  test("130 when more instances are asked for than the item's quantity, even with seats free", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "concurrent-instance", quantity: 4 }] });
    const a = await changesNothing(api, () => api.authorize({ instances: 5 }));
    refusedWith(a, 130, 403);
    expect(a.body.error.name).toBe("INSTANCES_EXCEEDED");
  });

  test("instances only matter to concurrent-instance items", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "scan", quantity: 4 }] });
    const a = await api.authorize({ instances: 50 });
    expect(a.status).toBe(200);
    expect(a.body.license.instances).toBe(1);
  });

  test("120 when the capacity is used up (the last check)", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "device", quantity: 1 }] });
    expect((await api.authorize()).status).toBe(200);
    const a = await changesNothing(api, () => api.authorize({ device: { uuid: deviceId(2) } }));
    refusedWith(a, 120, 403);
    expect(a.body.error.name).toBe("USAGE_EXCEEDED");
  });

  test("104 for a code with no items", async () => {
    const api = await apiWorld({ items: [] });
    const a = await changesNothing(api, () => api.authorize());
    refusedWith(a, 104, 403);
    expect(a.body.error.name).toBe("NO_MATCHING_LICENSE");
  });

  test("when no item passes, the answer is the code of the item that got furthest", async () => {
    const api = await apiWorld({
      items: [
        { chargeWay: "scan", product: "dlr", expiresAt: "2026-12-20T00:00:00.000Z" }, // first in order, fails at product
        { chargeWay: "device", quantity: 1, expiresAt: "2027-03-01T00:00:00.000Z" }, // fails at capacity
        { chargeWay: "page", expiresAt: "2027-06-01T00:00:00.000Z", startsAt: "2027-01-01T00:00:00.000Z" }, // fails at start
      ],
    });
    expect((await api.authorize({ device: { uuid: deviceId(9) } })).body.license.itemId).toBe("2000002");
    const a = await changesNothing(api, () => api.authorize());
    refusedWith(a, 120, 403);
    expect(a.body.error.message).toContain("2000002");
    refusedWith(await api.authorize({ chargeWay: "page" }), 112, 403); // 115 for two, 112 for the page item
    refusedWith(await api.authorize({ version: 9 }), 107, 403);
  });

  test("ties go to the item first in consumption order", async () => {
    const items = (domainFirst: boolean) => [
      { chargeWay: "domain" as const, expiresAt: domainFirst ? "2027-01-01T00:00:00.000Z" : "2027-02-01T00:00:00.000Z" },
      { chargeWay: "scan" as const, quantity: 1, expiresAt: domainFirst ? "2027-02-01T00:00:00.000Z" : "2027-01-01T00:00:00.000Z" },
    ];
    for (const domainFirst of [true, false]) {
      const api = await apiWorld({ items: items(domainFirst) });
      const scanRow = api.w.db.select().from(licenseItems).where(eq(licenseItems.itemId, "2000002")).get()!;
      api.w.db.$client.run("INSERT INTO item_counters (item_row_id, consumed) VALUES (?, 2)", [scanRow.id]);
      // Both fail at capacity: the domain item for want of a domain (104), the scan item used up (120).
      refusedWith(await api.authorize(), domainFirst ? 104 : 120, 403);
    }
    const later = await apiWorld({
      items: [
        { chargeWay: "scan", startsAt: "2027-01-01T00:00:00.000Z", expiresAt: "2027-03-01T00:00:00.000Z" },
        { chargeWay: "page", startsAt: "2027-02-01T00:00:00.000Z", expiresAt: "2027-02-20T00:00:00.000Z" },
      ],
    });
    const a = await later.authorize();
    refusedWith(a, 112, 403);
    expect(a.body.error.message).toContain("2000002"); // the page item expires first: first in order
  });

  test("the first item in consumption order that passes serves: nearest expiry first", async () => {
    const api = await apiWorld({
      items: [
        { chargeWay: "device", quantity: 1, expiresAt: "2027-06-01T00:00:00.000Z" },
        { chargeWay: "device", quantity: 1, expiresAt: "2027-03-01T00:00:00.000Z" },
      ],
    });
    expect((await api.authorize({ device: { uuid: deviceId(1) } })).body.license.itemId).toBe("2000002");
    expect((await api.authorize({ device: { uuid: deviceId(2) } })).body.license.itemId).toBe("2000001");
    refusedWith(await api.authorize({ device: { uuid: deviceId(3) } }), 120, 403);
  });

  test("then the narrower item: fewer deployment types, then fewer modules, then the item id", async () => {
    const api = await apiWorld({
      items: [
        { chargeWay: "scan", deploymentTypes: ["browser", "desktop"], modules: ["qr"] },
        { chargeWay: "scan", deploymentTypes: ["browser"], modules: [] },
        { chargeWay: "scan", deploymentTypes: ["browser"], modules: ["qr", "oned"] },
        { chargeWay: "scan", deploymentTypes: ["browser"], modules: ["qr", "oned"] },
      ],
    });
    expect((await api.authorize({ modules: ["qr"] })).body.license.itemId).toBe("2000003");
  });

  test("an order saved by the admin stands instead", async () => {
    const api = await apiWorld({
      items: [
        { chargeWay: "scan", expiresAt: "2027-06-01T00:00:00.000Z" },
        { chargeWay: "page", expiresAt: "2027-03-01T00:00:00.000Z" },
      ],
    });
    expect((await api.authorize()).body.license.itemId).toBe("2000002");
    const code = api.w.db.select().from(handshakeCodes).where(eq(handshakeCodes.code, CODE)).get()!;
    updateCode(api.w, CODE, { customOrder: true });
    const rows = api.w.db.select().from(handshakeCodeItems).where(eq(handshakeCodeItems.codeId, code.id)).all();
    expect(rows.map((r) => r.position)).toEqual([1, 2]);
    expect((await api.authorize()).body.license.itemId).toBe("2000001");
  });

  test("every authorize is counted per code, granted or refused; codes that do not exist in one bucket per organization", async () => {
    const api = await apiWorld();
    await api.authorize({ product: "dlr" });
    await api.authorize({ handshakeCode: "100200-nothing" });
    await api.authorize({ handshakeCode: undefined, organizationId: "100200" });
    await api.authorize({ handshakeCode: undefined, organizationId: "100200", product: "dlr" }); // its default code
    const rows = api.w.db.$client.query("SELECT code, granted, refused FROM authorization_counts ORDER BY code").all();
    expect(rows).toEqual([
      { code: "100200-(unknown)", granted: 0, refused: 1 },
      { code: "100200-appA", granted: 1, refused: 2 },
    ]);
  });

  test("1,200 made-up codes make one row per organization that exists, and one for the rest", async () => {
    const api = await apiWorld({ flags: { apiRateLimit: "0" } });
    for (let i = 0; i < 400; i++) {
      await api.authorize({ handshakeCode: `100200-made${i}` });
      await api.authorize({ handshakeCode: `999${i}-x` });
      await api.authorize({ handshakeCode: undefined, organizationId: `org${i}` });
    }
    const rows = api.w.db.$client.query("SELECT code, granted, refused FROM authorization_counts ORDER BY code").all();
    expect(rows).toEqual([
      { code: "(unknown)", granted: 0, refused: 800 },
      { code: "100200-(unknown)", granted: 0, refused: 400 },
    ]);
  });
});

describe("release", () => {
  test("unknown items and seats are not an error, and change nothing", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "concurrent-device", quantity: 1 }] });
    await api.authorize();
    const before = usageState(api.w);
    for (const o of [{ itemId: "9999999" }, { device: { uuid: deviceId(7) } }]) {
      const a = await api.release(o);
      expect(a.status).toBe(200);
      expect(a.body.ok).toBe(true);
    }
    expect(usageState(api.w)).toEqual(before);
  });

  test("checks the code as report does: 101 for an unknown or disabled code, 102 for a wrong session password; the seat stays", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "concurrent-device", quantity: 1 }] });
    updateCode(api.w, CODE, { sessionPasswordMac: api.w.deps.instanceKey.mac("s3cret") });
    expect((await api.authorize({ sessionPassword: "s3cret" })).status).toBe(200);
    const before = usageState(api.w);
    refusedWith(await api.release({ handshakeCode: "100200-nothing" }), 101, 404);
    refusedWith(await api.release(), 102, 403);
    refusedWith(await api.release({ sessionPassword: "wrong" }), 102, 403);
    updateCode(api.w, CODE, { enabled: false });
    refusedWith(await api.release({ sessionPassword: "s3cret" }), 101, 404);
    expect(usageState(api.w)).toEqual(before);
    updateCode(api.w, CODE, { enabled: true });
    expect((await api.release({ sessionPassword: "s3cret" })).status).toBe(200);
    expect(usageState(api.w).seats).toBeLessThan(before.seats);
  });

  test("changes nothing for other charge ways", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "device", quantity: 1 }] });
    await api.authorize();
    const before = usageState(api.w);
    expect((await api.release()).status).toBe(200);
    expect(usageState(api.w)).toEqual(before);
    refusedWith(await api.authorize({ device: { uuid: deviceId(2) } }), 120, 403);
  });
});

test("items stay charged per item: codes sharing an item share its capacity", async () => {
  const api = await apiWorld({ items: [{ chargeWay: "device", quantity: 1 }] });
  addCode(api.w, "100200-appB", { itemIds: ["2000001"] });
  expect((await api.authorize()).status).toBe(200);
  refusedWith(await api.authorize({ handshakeCode: "100200-appB", device: { uuid: deviceId(2) } }), 120, 403);
  expect((await api.authorize({ handshakeCode: "100200-appB" })).status).toBe(200);
});
