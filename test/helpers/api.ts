import { catalogChanged } from "../../src/db/catalog-version";
import { expect } from "bun:test";
import { createPublicKey, verify as verifySignature } from "node:crypto";
import { eq } from "drizzle-orm";
import { allowanceUsage, authorizationCounts, concurrentSeats, grants, handshakeCodeItems, handshakeCodes, itemCounters, itemDevices, itemDomains, licenseItems, reports, usageRecords } from "../../src/db/schema";
import type { LicenseItem, LicensePayload } from "../../src/domain/license";
import { SLOT_MS, slotOf } from "../../src/domain/slots";
import { importLicenseFile } from "../../src/services/license-files";
import { activatedLicense, signed, withMachineUuid } from "./licenses";
import { createWorld, type World } from "./world";

/**
 * A world for the client API (PROTOCOL.md): a machine UUID, one license whose items are attached
 * to the code `100200-appA` (the organization's default), and helpers that post to /api/v1 and
 * check what every answer must carry — a valid `LTS-Signature`, `serverTime`, the echoed nonce.
 */

export const ORG = "100200";
export const CODE = `${ORG}-appA`;
export const DEFAULT_IP = "198.51.100.7";
/** The world's clock starts here (ManualClock). */
export const START = Date.parse("2026-11-28T12:00:00.000Z");
export const DAY = 86_400_000;

export type ItemSpec = Partial<LicenseItem> & Pick<LicenseItem, "chargeWay">;

/** An item valid on 2026-11-28 for dbr 10 javascript in browsers; ids 2000001, 2000002, … by position. */
export function itemOf(spec: ItemSpec, index = 0): LicenseItem {
  return {
    itemId: String(2000001 + index),
    description: `${spec.chargeWay} item`,
    product: "dbr",
    version: 10,
    edition: "javascript",
    deploymentTypes: ["browser"],
    quantity: 10,
    modules: [],
    startsAt: "2026-01-01T00:00:00.000Z",
    expiresAt: "2027-06-30T00:00:00.000Z",
    ...(spec.chargeWay === "device" ? { windowDays: 30 } : {}),
    ...spec,
  } as LicenseItem;
}

let sequence = 0;
/** A fresh, valid nonce (16–64 of [A-Za-z0-9_-]). */
export const freshNonce = () => `nonce-${(++sequence).toString(36).padStart(12, "0")}`;
/** A fresh, valid reportId. */
export const freshReportId = () => `report-${(++sequence).toString(36).padStart(8, "0")}`;
/** A device uuid the API accepts: `device-0001`, … */
export const deviceId = (n: number) => `device-${String(n).padStart(4, "0")}`;

export interface Answer {
  status: number;
  // biome-ignore lint: JSON of any shape
  body: any;
  text: string;
  headers: Headers;
  /** The signature header verified against the instance key over the exact body bytes. */
  signed: boolean;
}

export interface SendOptions {
  ip?: string;
  origin?: string;
  headers?: Record<string, string>;
  method?: string;
}

/** Checks `LTS-Signature: keyid=<kid>, sig=<base64url>` over `bytes` with the world's instance key. */
export function signatureHolds(w: World, header: string | null, bytes: Uint8Array): boolean {
  const m = /^keyid=([0-9a-f]{16}), sig=([A-Za-z0-9_-]+)$/.exec(header ?? "");
  if (!m || m[1] !== w.deps.instanceKey.kid) return false;
  const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: w.deps.instanceKey.publicKey }, format: "jwk" });
  return verifySignature(null, bytes, key, Buffer.from(m[2]!, "base64url"));
}

/** Sends a request to the app as a client at `ip` would, and reads the answer's exact bytes. */
export async function send(w: World, path: string, init: RequestInit, options: SendOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...(options.origin ? { origin: options.origin } : {}), ...options.headers, ...(init.headers as Record<string, string> | undefined) };
  const ip = options.ip ?? DEFAULT_IP;
  const res = await w.app.request(path, { ...init, headers }, { requestIP: () => ({ address: ip }) });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  let body: unknown = undefined;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text, headers: res.headers, signed: signatureHolds(w, res.headers.get("lts-signature"), bytes) };
}

/**
 * Posts `body` (JSON, or a string / bytes / stream sent as is) to /api/v1/<verb> and asserts the
 * envelope every API answer has: signed, JSON, serverTime = the world's clock, the nonce echoed.
 */
export async function post(w: World, verb: string, body: unknown, options: SendOptions = {}): Promise<Answer> {
  const raw = typeof body === "string" || body instanceof Uint8Array || body instanceof ReadableStream;
  const init: RequestInit & { duplex?: string } = {
    method: options.method ?? "POST",
    headers: { "content-type": "application/json" },
    body: raw ? (body as BodyInit) : JSON.stringify(body),
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  };
  const answer = await send(w, `/api/v1/${verb}`, init, options);
  // A body over the limit is never read, so its nonce cannot be echoed.
  expectEnvelope(w, answer, answer.status === 413 ? null : nonceIn(body));
  return answer;
}

/** The nonce a body carries, as the server would find it. */
function nonceIn(body: unknown): unknown {
  let value = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch {
      return null;
    }
  } else if (body instanceof Uint8Array || body instanceof ReadableStream) return null;
  return typeof value === "object" && value !== null ? (value as { nonce?: unknown }).nonce : null;
}

const VALID_NONCE = /^[A-Za-z0-9_-]{16,64}$/;

/** What every /api/v1 answer carries (PROTOCOL.md, "Conventions"). */
export function expectEnvelope(w: World, answer: Answer, sentNonce: unknown): void {
  expect(answer.signed, `unsigned or badly signed answer: ${answer.status} ${answer.text.slice(0, 200)}`).toBe(true);
  expect(answer.body, `not JSON: ${answer.text.slice(0, 200)}`).toBeObject();
  expect(answer.body.serverTime).toBe(w.clock.now().toISOString());
  if (typeof sentNonce === "string" && VALID_NONCE.test(sentNonce)) expect(answer.body.nonce).toBe(sentNonce);
  else expect(answer.body.nonce).toBeUndefined();
  expect(answer.headers.get("access-control-allow-origin")).toBe("*");
  if (answer.body.ok === false) {
    expect(answer.body.error).toEqual({ code: expect.any(Number), name: expect.any(String), message: expect.any(String) });
    expect(answer.body.error.message.length).toBeGreaterThan(0);
  }
}

export type AuthorizeBody = Record<string, unknown>;

/** A valid authorize body for `device-0001` against CODE (override any field; `undefined` drops it). */
export function authorizeBody(overrides: AuthorizeBody = {}): AuthorizeBody {
  return dropUndefined({
    handshakeCode: CODE,
    device: { uuid: deviceId(1) },
    product: "dbr",
    version: 10,
    edition: "javascript",
    deploymentType: "browser",
    nonce: freshNonce(),
    ...overrides,
  });
}

/** The ISO name of the slot `offset` slots from the clock's current one. */
export const slotIso = (w: World, offset = 0) => new Date(slotOf(w.clock.now().getTime()) + offset * SLOT_MS).toISOString();

/** A valid report body: one record in the current slot for the first item, from `device-0001`. */
export function reportBody(w: World, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return dropUndefined({
    handshakeCode: CODE,
    itemId: "2000001",
    device: { uuid: deviceId(1) },
    reportId: freshReportId(),
    records: [{ slot: slotIso(w), counts: { scans: 1 } }],
    nonce: freshNonce(),
    ...overrides,
  });
}

function dropUndefined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Everything a client's usage can change, summed (authorization_counts apart). */
export function usageState(w: World) {
  const all = <T>(rows: T[]) => rows;
  return {
    consumed: all(w.db.select().from(itemCounters).all()).reduce((s, r) => s + r.consumed, 0),
    allowanceUsed: w.db.select().from(allowanceUsage).all().reduce((s, r) => s + r.used, 0),
    usageCount: w.db.select().from(usageRecords).all().reduce((s, r) => s + r.count, 0),
    usageRows: w.db.select().from(usageRecords).all().length,
    devices: w.db.select().from(itemDevices).all().length,
    activeUntil: w.db.select().from(itemDevices).all().reduce((s, r) => s + r.activeUntil, 0),
    seats: w.db.select().from(concurrentSeats).all().length,
    domains: w.db.select().from(itemDomains).all().length,
    grants: w.db.select().from(grants).all().length,
    reports: w.db.select().from(reports).all().length,
  };
}

/** Authorizations counted for statistics, per code as the client gave it. */
export function authorizationTotals(w: World): { granted: number; refused: number } {
  return w.db
    .select()
    .from(authorizationCounts)
    .all()
    .reduce((s, r) => ({ granted: s.granted + r.granted, refused: s.refused + r.refused }), { granted: 0, refused: 0 });
}

/** Sets columns of a handshake code's row directly (what the Configurations page will do). */
export function updateCode(w: World, code: string, set: Partial<typeof handshakeCodes.$inferInsert>): void {
  w.db.update(handshakeCodes).set(set).where(eq(handshakeCodes.code, code)).run();
  catalogChanged(w.db); // as the portal's verbs do: the API reads the code again
}

/** Adds a code row with no items (or `itemIds` of the world's items, in that order). */
export function addCode(w: World, code: string, options: { isDefault?: boolean; itemIds?: string[] } = {}): number {
  const [organizationId, suffix] = [code.slice(0, code.indexOf("-")), code.slice(code.indexOf("-") + 1)];
  const at = w.clock.now();
  const row = w.db
    .insert(handshakeCodes)
    .values({ code, organizationId, suffix, name: suffix, isDefault: options.isDefault ?? false, enabled: true, createdAt: at, updatedAt: at })
    .returning()
    .get();
  for (const [i, itemId] of (options.itemIds ?? []).entries()) {
    const item = w.db.select().from(licenseItems).where(eq(licenseItems.itemId, itemId)).get()!;
    w.db.insert(handshakeCodeItems).values({ codeId: row.id, itemRowId: item.id, position: i + 1 }).run();
  }
  catalogChanged(w.db);
  return row.id;
}

/** Imports an activated license for this machine; its new items go to `{org}-{suffix}`. */
export function importLicense(w: World, uuid: string, payload: Partial<LicensePayload>, suffix = "appA"): void {
  const file = new TextEncoder().encode(signed(activatedLicense(uuid, payload)));
  const actor = { kind: "admin" as const, ip: null };
  importLicenseFile({ db: w.db, clock: w.clock, actor, trustedIssuers: w.deps.trustedIssuers }, { file, machine: w.deps.machine.binding(actor), codeSuffix: suffix });
}

export interface ApiWorld {
  w: World;
  uuid: string;
  authorize(overrides?: AuthorizeBody, options?: SendOptions): Promise<Answer>;
  report(overrides?: Record<string, unknown>, options?: SendOptions): Promise<Answer>;
  release(overrides?: Record<string, unknown>, options?: SendOptions): Promise<Answer>;
  /** Posts exactly `body` (no defaults) to /api/v1/<verb>. */
  post(verb: string, body: unknown, options?: SendOptions): Promise<Answer>;
  state(): ReturnType<typeof usageState>;
}

/**
 * A ready server whose code CODE (the organization's default) holds `items` in that order
 * (default: one scan item of 1000). `items: []` makes the code with no items.
 */
export async function apiWorld(options: { items?: ItemSpec[]; license?: Partial<LicensePayload>; flags?: Record<string, string>; trustedClock?: boolean } = {}): Promise<ApiWorld> {
  const w = createWorld({ flags: options.flags, trustedClock: options.trustedClock });
  const uuid = await withMachineUuid(w);
  const items = (options.items ?? [{ chargeWay: "scan", quantity: 1000 }]).map(itemOf);
  if (items.length > 0) importLicense(w, uuid, { items, ...options.license });
  else addCode(w, CODE, { isDefault: true });
  return {
    w,
    uuid,
    authorize: (overrides = {}, o) => post(w, "authorize", authorizeBody(overrides), o),
    report: (overrides = {}, o) => post(w, "report", reportBody(w, overrides), o),
    release: (overrides = {}, o) => post(w, "release", { handshakeCode: CODE, itemId: "2000001", device: { uuid: deviceId(1) }, nonce: freshNonce(), ...overrides }, o),
    post: (verb, body, o) => post(w, verb, body, o),
    state: () => usageState(w),
  };
}
