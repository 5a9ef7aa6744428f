import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { deviceLimit } from "../../src/domain/charge-ways";
import { apiWorld, authorizeBody, CODE, deviceId, freshNonce, post, reportBody, slotIso, type ApiWorld, type ItemSpec } from "../helpers/api";

// Properties of the client API over generated input (fast-check). `post` asserts the envelope of
// every answer: signed over its exact bytes, JSON, serverTime, the nonce echoed when valid.
// Runs are bounded so that the suite stays fast; a failure prints its seed and shrunk input.

const RUNS = Number(process.env.LTS_PROPERTY_RUNS ?? 300);
const VERBS = ["authorize", "report", "release"] as const;
/** Fuzz worlds send hundreds of requests from one address at one instant: the per-address limit has its own tests. */
const NO_RATE_LIMIT = { apiRateLimit: "0" };

describe("arbitrary input never breaks the API", () => {
  test("any JSON value as a body: never a 5xx, always a signed JSON answer; code 1 when it is not a valid request", async () => {
    const api = await apiWorld({ flags: NO_RATE_LIMIT });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...VERBS), fc.jsonValue(), async (verb, body) => {
        const a = await api.post(verb, body);
        expect(a.status).toBeLessThan(500);
        expect(a.body.ok === false ? a.body.error.code : 0).toBe(1);
      }),
      { numRuns: RUNS },
    );
  });

  test("any text as a body (JSON or not, any Unicode): never a 5xx, always signed", async () => {
    const api = await apiWorld({ flags: NO_RATE_LIMIT });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...VERBS), fc.oneof(fc.json(), fc.string({ unit: "binary" }), fc.string()), async (verb, text) => {
        const a = await api.post(verb, text);
        expect(a.status).toBeLessThan(500);
      }),
      { numRuns: RUNS },
    );
  });

  test("any bytes as a body: never a 5xx, always signed", async () => {
    const api = await apiWorld({ flags: NO_RATE_LIMIT });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...VERBS), fc.uint8Array({ maxLength: 300 }), async (verb, bytes) => {
        const a = await api.post(verb, bytes);
        expect(a.status).toBeLessThan(500);
        expect(a.body.ok).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  // A valid body with one field replaced, removed or added, or a number written oddly.
  const oddNumber = fc.constantFrom("-1", "1.5", "-0", "1e400", "-1e400", "9007199254740992", "1e2", "0.0", "10.0", "1E1", "0x10", "NaN", "Infinity");
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant("set" as const), path: fc.array(fc.constantFrom("device", "uuid", "name", "version", "instances", "records", "0", "counts", "scans", "slot", "validation", "domain", "modules", "nonce", "product", "itemId", "reportId", "chargeWay"), { minLength: 1, maxLength: 3 }), value: fc.jsonValue({ maxDepth: 2 }) }),
    fc.record({ kind: fc.constant("drop" as const), key: fc.constantFrom("device", "product", "version", "edition", "deploymentType", "nonce", "handshakeCode", "records", "itemId", "reportId") }),
    fc.record({ kind: fc.constant("add" as const), key: fc.string({ maxLength: 12 }), value: fc.jsonValue({ maxDepth: 1 }) }),
    fc.record({ kind: fc.constant("number" as const), field: fc.constantFrom("version", "instances", "scans"), text: oddNumber }),
  );

  test("mutations of valid bodies: never a 5xx, and every refusal is a protocol code with the table's HTTP status", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "scan", quantity: 50 }, { chargeWay: "device", quantity: 2 }], flags: NO_RATE_LIMIT });
    await api.authorize();
    const http: Record<number, number[]> = { 1: [400, 413], 3: [429], 101: [404], 104: [403], 106: [403], 107: [403], 108: [403], 109: [403], 112: [403], 115: [403], 120: [403], 121: [404], 122: [403], 123: [400] };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("authorize", "report"), mutation, async (verb, m) => {
        const body: Record<string, unknown> = verb === "authorize" ? authorizeBody({ instances: 1, validation: { domain: "a.example" }, modules: [] }) : reportBody(api.w);
        let text: string;
        if (m.kind === "number") {
          text = JSON.stringify(verb === "authorize" ? body : { ...body, records: [{ slot: slotIso(api.w), counts: { scans: 7 } }] }).replace(new RegExp(`"${m.field}":\\d+`), `"${m.field}":${m.text}`);
        } else {
          if (m.kind === "set") setPath(body, m.path, m.value);
          if (m.kind === "drop") delete body[m.key];
          if (m.kind === "add") body[m.key] = m.value;
          text = JSON.stringify(body);
        }
        const a = await api.post(verb, text);
        expect(a.status).toBeLessThan(500);
        if (a.body.ok === false) expect(http[a.body.error.code], JSON.stringify(a.body.error)).toContain(a.status);
      }),
      { numRuns: RUNS },
    );
  });
});

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let at: unknown = target;
  for (const key of path.slice(0, -1)) {
    if (typeof at !== "object" || at === null) return;
    const next = (at as Record<string, unknown>)[key];
    if (typeof next !== "object" || next === null) return;
    at = next;
  }
  if (typeof at === "object" && at !== null) (at as Record<string, unknown>)[path.at(-1)!] = value;
}

// ---- sequences: counters only grow, only safe integers are stored, capacity is never exceeded ----

const ITEMS: ItemSpec[] = [
  { chargeWay: "scan", quantity: 50, modules: ["qr", "oned"] },
  { chargeWay: "page", quantity: 20 },
  { chargeWay: "device", quantity: 1, windowDays: 1, expiresAt: "2027-03-01T00:00:00.000Z" }, // first in order: "auto" lands here
  { chargeWay: "concurrent-device", quantity: 2 },
  { chargeWay: "concurrent-instance", quantity: 3 },
  { chargeWay: "domain", quantity: 2 },
];
const CHARGE_WAYS = ITEMS.map((i) => i.chargeWay);

const count = fc.oneof({ weight: 8, arbitrary: fc.nat(20) }, { weight: 1, arbitrary: fc.maxSafeNat() }, { weight: 1, arbitrary: fc.constant(Number.MAX_SAFE_INTEGER) });
const action = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("authorize" as const), device: fc.integer({ min: 1, max: 3 }), chargeWay: fc.oneof(fc.constant("auto"), fc.constantFrom(...CHARGE_WAYS)), instances: fc.integer({ min: 1, max: 4 }), origin: fc.constantFrom(undefined, "https://a.example", "https://b.example", "https://c.example") }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("report" as const),
      device: fc.integer({ min: 1, max: 3 }),
      // Mostly the item the device was last granted (a report needs a grant), else any.
      item: fc.oneof({ weight: 3, arbitrary: fc.constant("granted" as const) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: ITEMS.length - 1 }) }),
      records: fc.array(fc.record({ slot: fc.oneof(fc.integer({ min: -3, max: 1 }), fc.integer({ min: -480 * 31, max: 3 })), counts: fc.dictionary(fc.constantFrom("scans", "pages", "qr", "oned"), count, { maxKeys: 3 }) }), { minLength: 1, maxLength: 3 }),
      again: fc.oneof({ weight: 1, arbitrary: fc.constant(true) }, { weight: 4, arbitrary: fc.constant(false) }), // the same report again
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("release" as const), device: fc.integer({ min: 1, max: 3 }), item: fc.integer({ min: 0, max: ITEMS.length - 1 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("advance" as const), ms: fc.oneof(fc.constant(180_000), fc.constant(86_400_000), fc.integer({ min: 0, max: 2 * 86_400_000 })) }) },
);

type Snapshot = Map<string, number>;

/** The counters that must never go down, by row key. */
function counters(api: ApiWorld): Snapshot {
  const q = (sql: string) => api.w.db.$client.query(sql).all() as { k: string; v: number }[];
  return new Map(
    [
      ...q("SELECT 'consumed:' || item_row_id AS k, consumed AS v FROM item_counters"),
      ...q("SELECT 'allowance:' || item_row_id || ':' || license_year AS k, used AS v FROM allowance_usage"),
      ...q("SELECT 'usage:' || item_row_id || ':' || code_id || ':' || slot || ':' || name AS k, count AS v FROM usage_records"),
      ...q("SELECT 'granted:' || code || ':' || slot AS k, granted AS v FROM authorization_counts"),
      ...q("SELECT 'refused:' || code || ':' || slot AS k, refused AS v FROM authorization_counts"),
    ].map((r) => [r.k, r.v]),
  );
}

const NUMERIC_COLUMNS: Record<string, string[]> = {
  item_devices: ["first_seen_at", "last_seen_at", "active_until", "released_at"],
  grants: ["first_granted_at", "last_granted_at"],
  concurrent_seats: ["slot", "instances", "over_allowance"],
  item_counters: ["consumed"],
  allowance_usage: ["license_year", "used"],
  item_domains: ["first_seen_at", "last_seen_at"],
  reports: ["http_status", "received_at"],
  usage_records: ["slot", "count"],
  authorization_counts: ["slot", "granted", "refused"],
};

function expectOnlySafeIntegers(api: ApiWorld): void {
  for (const [table, columns] of Object.entries(NUMERIC_COLUMNS)) {
    for (const column of columns) {
      const rows = api.w.db.$client.query(`SELECT typeof(${column}) AS t, ${column} AS v FROM ${table}`).all() as { t: string; v: unknown }[];
      for (const { t, v } of rows) {
        if (t === "null" && column === "released_at") continue;
        expect({ table, column, t, safe: Number.isSafeInteger(v) && (v as number) >= 0 }).toEqual({ table, column, t: "integer", safe: true });
      }
    }
  }
}

function expectCapacityHeld(api: ApiWorld): void {
  const now = api.w.clock.now().getTime();
  const active = api.w.db.$client.query("SELECT count(*) AS n FROM item_devices d JOIN license_items i ON i.id = d.item_row_id WHERE i.charge_way = 'device' AND d.active_until > ?").get(now) as { n: number };
  expect(active.n).toBeLessThanOrEqual(deviceLimit(1));
  const domains = api.w.db.$client.query("SELECT count(*) AS n FROM item_domains d JOIN license_items i ON i.id = d.item_row_id WHERE i.charge_way = 'domain' AND d.last_seen_at > ?").get(now - 365 * 86_400_000) as { n: number };
  expect(domains.n).toBeLessThanOrEqual(2);
  for (const row of api.w.db.$client.query("SELECT i.quantity AS q, a.used AS used FROM allowance_usage a JOIN license_items i ON i.id = a.item_row_id").all() as { q: number; used: number }[]) {
    expect(row.used).toBeLessThanOrEqual(1000 * row.q);
  }
  // scan and page: the ledger and the counter agree (until the counter saturates at 2^53 − 1).
  for (const row of api.w.db.$client.query(
    "SELECT c.consumed AS consumed, (SELECT coalesce(sum(count), 0) FROM usage_records u WHERE u.item_row_id = c.item_row_id) AS ledger FROM item_counters c",
  ).all() as { consumed: number; ledger: number }[]) {
    if (row.consumed < Number.MAX_SAFE_INTEGER) expect(row.consumed).toBe(row.ledger);
    else expect(row.ledger).toBeGreaterThanOrEqual(row.consumed);
  }
}

describe("sequences of requests", () => {
  test("no counter ever decreases, only safe non-negative integers are stored, capacity is never exceeded", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 25 }), async (actions) => {
        const api = await apiWorld({ items: ITEMS, flags: NO_RATE_LIMIT });
        let last: Record<string, unknown> | null = null;
        const grantedItem = new Map<number, string>();
        let before = counters(api);
        for (const a of actions) {
          if (a.kind === "advance") api.w.clock.advance(a.ms);
          else if (a.kind === "authorize") {
            const answer = await api.authorize({ device: { uuid: deviceId(a.device) }, chargeWay: a.chargeWay, instances: a.instances }, a.origin ? { origin: a.origin } : {});
            expect(answer.status).toBeLessThan(500);
            if (answer.status === 200) grantedItem.set(a.device, answer.body.license.itemId);
          } else if (a.kind === "report") {
            const body: Record<string, unknown> =
              a.again && last
                ? { ...last, nonce: freshNonce() }
                : reportBody(api.w, { device: { uuid: deviceId(a.device) }, itemId: a.item === "granted" ? (grantedItem.get(a.device) ?? "2000001") : String(2000001 + a.item), records: a.records.map((r) => ({ slot: slotIso(api.w, r.slot), counts: r.counts })) });
            last = body;
            expect((await post(api.w, "report", body)).status).toBeLessThan(500);
          } else {
            expect((await api.release({ device: { uuid: deviceId(a.device) }, itemId: String(2000001 + a.item), handshakeCode: CODE })).status).toBe(200);
          }
          const after = counters(api);
          for (const [key, value] of before) {
            const now = after.get(key);
            expect(now === undefined ? `${key} vanished` : now >= value ? "grew or stayed" : `${key} went from ${value} to ${now}`).toBe("grew or stayed");
          }
          before = after;
          expectOnlySafeIntegers(api);
          expectCapacityHeld(api);
        }
      }),
      { numRuns: Math.max(50, Math.round(RUNS / 3)) },
    );
  }, 60_000);
});

describe("a public license key cannot fill the disk", () => {
  // Anyone may hold the license key: arbitrary counter names and device ids must never make rows
  // beyond the bound (the item's modules and unit; one device per request), nor a 5xx.
  const WAYS: ItemSpec[] = [
    { chargeWay: "scan", quantity: 1_000_000, modules: ["qr", "oned"] },
    { chargeWay: "page", quantity: 1_000_000 },
    { chargeWay: "domain", quantity: 3 },
  ];
  const ALLOWED: Record<string, string[]> = { "2000001": ["qr", "oned", "scans"], "2000002": ["pages"], "2000003": ["scans", "pages"] };
  const name = fc.oneof(fc.constantFrom("qr", "oned", "scans", "pages", "ocr", "__proto__", "toString"), fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/), fc.string({ maxLength: 70 }));
  const uuid = fc.oneof({ weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{8,128}$/) }, { weight: 1, arbitrary: fc.string({ maxLength: 140 }) });
  const request = fc.oneof(
    fc.record({ kind: fc.constant("authorize" as const), uuid, item: fc.integer({ min: 0, max: 2 }), origin: fc.constantFrom("https://a.example", "https://b.example", "https://c.example", "https://d.example") }),
    fc.record({
      kind: fc.constant("report" as const),
      uuid: fc.oneof(uuid, fc.constant("known-device-1")),
      item: fc.integer({ min: 0, max: 2 }),
      records: fc.array(fc.record({ slot: fc.integer({ min: -20, max: 0 }), counts: fc.dictionary(name, fc.nat(5), { maxKeys: 40 }) }), { minLength: 1, maxLength: 20 }),
    }),
  );

  test("arbitrary counter names and device uuids: usage rows only under allowed names, at most one new device per request, never a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 15 }), async (requests) => {
        const api = await apiWorld({ items: WAYS, flags: NO_RATE_LIMIT });
        for (const [i, chargeWay] of ["scan", "page", "domain"].entries()) {
          expect((await api.authorize({ device: { uuid: "known-device-1" }, chargeWay }, { origin: "https://a.example" })).body.license.itemId).toBe(String(2000001 + i));
        }
        const rows = (table: string) => (api.w.db.$client.query(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
        for (const r of requests) {
          const devices = rows("item_devices");
          const grants = rows("grants");
          const a =
            r.kind === "authorize"
              ? await api.authorize({ device: { uuid: r.uuid }, chargeWay: WAYS[r.item]!.chargeWay }, { origin: r.origin })
              : await api.report({ device: { uuid: r.uuid }, itemId: String(2000001 + r.item), records: r.records.map((rec) => ({ slot: slotIso(api.w, rec.slot), counts: rec.counts })) });
          expect(a.status).toBeLessThan(500);
          expect(rows("item_devices") - devices).toBeLessThanOrEqual(1);
          expect(rows("grants") - grants).toBeLessThanOrEqual(1);
          const names = api.w.db.$client.query("SELECT DISTINCT i.item_id AS itemId, u.name AS name FROM usage_records u JOIN license_items i ON i.id = u.item_row_id").all() as { itemId: string; name: string }[];
          for (const { itemId, name } of names) expect(ALLOWED[itemId]).toContain(name);
        }
      }),
      { numRuns: Math.max(30, Math.round(RUNS / 5)) },
    );
  }, 60_000);
});
