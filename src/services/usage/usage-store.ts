import type { Database } from "bun:sqlite";
import { catalogVersion } from "../../db/catalog-version";
import type { Db } from "../../db/client";
import type { ChargeWayName } from "../../domain/charge-ways";
import { RollupStore } from "./rollup-store";

/** A handshake code as the API checks it. */
export interface ApiCode {
  id: number;
  code: string;
  organizationId: string;
  enabled: boolean;
  sessionPasswordMac: string | null;
  validationDomains: string[];
  validationAppIds: string[];
  validationProcessNames: string[];
  customOrder: boolean;
  updatedAt: number;
}

/** A license item as the API checks and charges it. */
export interface ApiItem {
  rowId: number;
  itemId: string;
  product: string;
  version: number;
  edition: string;
  deploymentTypes: string[];
  modules: string[];
  chargeWay: ChargeWayName;
  quantity: number;
  windowDays: number | null;
  startsAt: number;
  expiresAt: number;
  graceDays: number;
  revokedAt: number | null;
  /** The license's activation: license years for the allowance count from it. */
  activatedAt: number;
}

/**
 * The client API's storage: raw prepared bun:sqlite statements (the hot path; see STYLE.md), all
 * synchronous so a whole authorize or report runs inside one transaction. Times are UTC ms.
 * Statements that return rows are read with .all() or .get() without RETURNING (a cached
 * RETURNING statement read with .get() stalls WAL checkpoints: stack notes, gotcha 2).
 */
export class UsageStore {
  readonly #q: ReturnType<typeof prepare>;
  readonly #db: Database;
  #cached: Catalog = emptyCatalog(-1, -1);
  /** The statistics rollups, kept by this store's writes (and by the callers that know more: allowance, authorization results). */
  readonly rollups: RollupStore;
  constructor(db: Db) {
    this.#db = db.$client;
    this.#q = prepare(db.$client);
    this.rollups = new RollupStore(db.$client);
  }

  // The catalog (codes, their items) changes only on imports and edits: it is read once and kept
  // until catalogChanged() (this process) or `PRAGMA data_version` (another process's commit)
  // says it moved. Only what exists is kept, so names a client makes up cannot grow it.
  codeByName(code: string): ApiCode | null {
    const catalog = this.#catalog();
    const hit = catalog.codes.get(code);
    if (hit) return hit;
    const found = toCode(this.#q.codeByName.get(code));
    if (found) catalog.codes.set(code, found);
    return found;
  }
  defaultCode(organizationId: string): ApiCode | null {
    const catalog = this.#catalog();
    const hit = catalog.defaults.get(organizationId);
    if (hit) return hit;
    const found = toCode(this.#q.defaultCode.get(organizationId));
    if (found) catalog.defaults.set(organizationId, found);
    return found;
  }
  organizationExists(organizationId: string): boolean {
    const catalog = this.#catalog();
    if (catalog.organizations.has(organizationId)) return true;
    const found = this.#q.organizationExists.get(organizationId, organizationId) !== null;
    if (found) catalog.organizations.add(organizationId);
    return found;
  }
  /**
   * The code's items by saved position (the caller applies the default order unless customOrder):
   * the same frozen array until the catalog changes, so a caller may key what it derives on it.
   */
  codeItems(codeId: number): readonly ApiItem[] {
    const catalog = this.#catalog();
    let items = catalog.items.get(codeId);
    if (!items) {
      items = Object.freeze(this.#q.codeItems.all(codeId).map(toItem));
      catalog.items.set(codeId, items);
    }
    return items;
  }
  itemOfCode(codeId: number, itemId: string): ApiItem | null {
    return this.codeItems(codeId).find((item) => item.itemId === itemId) ?? null;
  }
  /** The cached catalog, new when this process or another one changed it since it was read. */
  #catalog(): Catalog {
    const local = catalogVersion(this.#db);
    const data = (this.#q.dataVersion.get() as { data_version: number }).data_version;
    if (local !== this.#cached.local || data !== this.#cached.data) this.#cached = emptyCatalog(local, data);
    return this.#cached;
  }

  device(itemRowId: number, deviceUuid: string): { activeUntil: number; releasedAt: number | null } | null {
    return this.#q.device.get(itemRowId, deviceUuid) as { activeUntil: number; releasedAt: number | null } | null;
  }
  activeDevices(itemRowId: number, now: number): number {
    return (this.#q.activeDevices.get(itemRowId, now) as { n: number }).n;
  }
  touchDevice(itemRowId: number, deviceUuid: string, name: string | null, now: number, activeUntil: number): void {
    this.rollups.deviceContact(itemRowId, deviceUuid, now);
    this.#q.touchDevice.run(itemRowId, deviceUuid, name, now, now, activeUntil);
  }

  seat(itemRowId: number, slot: number, deviceUuid: string): { instances: number } | null {
    return this.#q.seat.get(itemRowId, slot, deviceUuid) as { instances: number } | null;
  }
  /** Seats taken in a slot: devices, and instances (for concurrent-instance). */
  occupied(itemRowId: number, slot: number): { devices: number; instances: number } {
    return this.#q.occupied.get(itemRowId, slot) as { devices: number; instances: number };
  }
  putSeat(itemRowId: number, slot: number, deviceUuid: string, instances: number, overAllowance: boolean): void {
    this.#q.putSeat.run(itemRowId, slot, deviceUuid, instances, overAllowance ? 1 : 0);
    this.rollups.seatTaken(itemRowId, slot, this.occupied(itemRowId, slot));
  }
  /** The latest slot from `fromSlot` on in which the device holds a seat, or null. */
  lastSeat(itemRowId: number, deviceUuid: string, fromSlot: number): number | null {
    return (this.#q.lastSeat.get(itemRowId, deviceUuid, fromSlot) as { slot: number | null }).slot;
  }
  releaseSeats(itemRowId: number, deviceUuid: string, fromSlot: number): number {
    return this.#q.releaseSeats.run(itemRowId, deviceUuid, fromSlot).changes;
  }
  allowanceUsed(itemRowId: number, year: number): number {
    return (this.#q.allowanceUsed.get(itemRowId, year) as { used: number } | null)?.used ?? 0;
  }
  drawAllowance(itemRowId: number, year: number, units: number): void {
    this.#q.drawAllowance.run(itemRowId, year, units);
  }

  consumed(itemRowId: number): number {
    return (this.#q.consumed.get(itemRowId) as { consumed: number } | null)?.consumed ?? 0;
  }
  addConsumed(itemRowId: number, units: number): void {
    this.#q.addConsumed.run(itemRowId, units);
  }

  domainActive(itemRowId: number, domain: string, since: number): boolean {
    return this.#q.domainActive.get(itemRowId, domain, since) !== null;
  }
  activeDomains(itemRowId: number, since: number): number {
    return (this.#q.activeDomains.get(itemRowId, since) as { n: number }).n;
  }
  touchDomain(itemRowId: number, domain: string, now: number): void {
    this.rollups.domainContact(itemRowId, domain, now);
    this.#q.touchDomain.run(itemRowId, domain, now, now);
  }

  touchGrant(codeId: number, itemRowId: number, deviceUuid: string, now: number): void {
    this.rollups.grantContact(codeId, itemRowId, deviceUuid, now);
    this.#q.touchGrant.run(codeId, itemRowId, deviceUuid, now, now);
  }
  hasGrant(codeId: number, itemRowId: number, deviceUuid: string): boolean {
    return this.#q.hasGrant.get(codeId, itemRowId, deviceUuid) !== null;
  }

  report(deviceUuid: string, reportId: string): { recordsHash: string; response: string; httpStatus: number } | null {
    return this.#q.report.get(deviceUuid, reportId) as { recordsHash: string; response: string; httpStatus: number } | null;
  }
  saveReport(deviceUuid: string, reportId: string, recordsHash: string, response: string, httpStatus: number, now: number): void {
    this.#q.saveReport.run(deviceUuid, reportId, recordsHash, response, httpStatus, now);
  }
  addUsage(itemRowId: number, codeId: number, slot: number, name: string, count: number): void {
    this.#q.addUsage.run(itemRowId, codeId, slot, name, count);
    this.rollups.usage(itemRowId, codeId, slot, name, count);
  }
  countAuthorization(code: string, slot: number, granted: boolean): void {
    this.#q.countAuthorization.run(code, slot, granted ? 1 : 0, granted ? 0 : 1);
  }
  /** Forgets authorization counts of slots before `beforeSlot` (kept ≥ 35 days by the caller). */
  purgeAuthorizationCounts(beforeSlot: number): number {
    return this.#q.purgeAuthorizationCounts.run(beforeSlot).changes;
  }
  /**
   * Forgets the devices (and their grants) of uncapped items — scan, page and domain, whose device
   * rows count against nothing — that have not been in touch since `before` (≥ 35 days ago by the
   * caller): random device ids from a public license key cannot grow the tables without bound.
   * Such a device that comes back authorizes again. Returns the devices forgotten.
   */
  forgetSilentDevices(before: number): number {
    return this.#db.transaction(() => {
      this.#q.forgetSilentGrants.run(before);
      return this.#q.forgetSilentDevices.run(before).changes;
    })();
  }
  /** Forgets reports older than `before` (kept ≥ 35 days by the caller). */
  purgeReports(before: number): number {
    return this.#q.purgeReports.run(before).changes;
  }
}

const CODE_COLUMNS = `id, code, organization_id AS organizationId, enabled, session_password_mac AS sessionPasswordMac,
  validation_domains AS validationDomains, validation_app_ids AS validationAppIds,
  validation_process_names AS validationProcessNames, custom_order AS customOrder, updated_at AS updatedAt`;
const ITEM_COLUMNS = `i.id AS rowId, i.item_id AS itemId, i.product, i.version, i.edition, i.deployment_types AS deploymentTypes,
  i.modules, i.charge_way AS chargeWay, i.quantity, i.window_days AS windowDays, i.starts_at AS startsAt,
  i.expires_at AS expiresAt, i.grace_days AS graceDays, i.revoked_at AS revokedAt, l.activated_at AS activatedAt`;

/** Charge ways whose device rows count against no quantity (SQL list). */
const UNCAPPED_DEVICE_WAYS = "('scan', 'page', 'domain')";

/** Counters saturate here, so that JavaScript reads back exactly what is stored (absurd reports aside, never reached). */
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function prepare(db: Database) {
  return {
    dataVersion: db.query(`PRAGMA data_version`),
    codeByName: db.query(`SELECT ${CODE_COLUMNS} FROM handshake_codes WHERE code = ?`),
    defaultCode: db.query(`SELECT ${CODE_COLUMNS} FROM handshake_codes WHERE organization_id = ? AND is_default = 1`),
    organizationExists: db.query(`SELECT 1 FROM handshake_codes WHERE organization_id = ? UNION ALL SELECT 1 FROM licenses WHERE organization_id = ? LIMIT 1`),
    codeItems: db.query(`SELECT ${ITEM_COLUMNS} FROM handshake_code_items ci JOIN license_items i ON i.id = ci.item_row_id JOIN licenses l ON l.id = i.license_row_id WHERE ci.code_id = ? ORDER BY ci.position`),
    itemOfCode: db.query(`SELECT ${ITEM_COLUMNS} FROM handshake_code_items ci JOIN license_items i ON i.id = ci.item_row_id JOIN licenses l ON l.id = i.license_row_id WHERE ci.code_id = ? AND i.item_id = ?`),
    device: db.query(`SELECT active_until AS activeUntil, released_at AS releasedAt FROM item_devices WHERE item_row_id = ? AND device_uuid = ?`),
    activeDevices: db.query(`SELECT count(*) AS n FROM item_devices WHERE item_row_id = ? AND active_until > ?`),
    touchDevice: db.query(
      `INSERT INTO item_devices (item_row_id, device_uuid, device_name, first_seen_at, last_seen_at, active_until) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (item_row_id, device_uuid) DO UPDATE SET device_name = coalesce(excluded.device_name, device_name),
         last_seen_at = excluded.last_seen_at, active_until = max(active_until, excluded.active_until), released_at = NULL`,
    ),
    seat: db.query(`SELECT instances FROM concurrent_seats WHERE item_row_id = ? AND slot = ? AND device_uuid = ?`),
    occupied: db.query(`SELECT count(*) AS devices, coalesce(sum(instances), 0) AS instances FROM concurrent_seats WHERE item_row_id = ? AND slot = ?`),
    putSeat: db.query(
      `INSERT INTO concurrent_seats (item_row_id, slot, device_uuid, instances, over_allowance) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (item_row_id, slot, device_uuid) DO UPDATE SET instances = max(instances, excluded.instances), over_allowance = max(over_allowance, excluded.over_allowance)`,
    ),
    lastSeat: db.query(`SELECT max(slot) AS slot FROM concurrent_seats WHERE item_row_id = ? AND device_uuid = ? AND slot >= ?`),
    releaseSeats: db.query(`DELETE FROM concurrent_seats WHERE item_row_id = ? AND device_uuid = ? AND slot >= ?`),
    allowanceUsed: db.query(`SELECT used FROM allowance_usage WHERE item_row_id = ? AND license_year = ?`),
    drawAllowance: db.query(`INSERT INTO allowance_usage (item_row_id, license_year, used) VALUES (?1, ?2, ?3) ON CONFLICT (item_row_id, license_year) DO UPDATE SET used = used + ?3`),
    consumed: db.query(`SELECT consumed FROM item_counters WHERE item_row_id = ?`),
    addConsumed: db.query(`INSERT INTO item_counters (item_row_id, consumed) VALUES (?1, ?2) ON CONFLICT (item_row_id) DO UPDATE SET consumed = min(consumed + ?2, ${MAX_SAFE})`),
    domainActive: db.query(`SELECT 1 FROM item_domains WHERE item_row_id = ? AND domain = ? AND last_seen_at > ?`),
    activeDomains: db.query(`SELECT count(*) AS n FROM item_domains WHERE item_row_id = ? AND last_seen_at > ?`),
    touchDomain: db.query(
      `INSERT INTO item_domains (item_row_id, domain, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?) ON CONFLICT (item_row_id, domain) DO UPDATE SET last_seen_at = excluded.last_seen_at`,
    ),
    touchGrant: db.query(
      `INSERT INTO grants (code_id, item_row_id, device_uuid, first_granted_at, last_granted_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (code_id, item_row_id, device_uuid) DO UPDATE SET last_granted_at = excluded.last_granted_at`,
    ),
    hasGrant: db.query(`SELECT 1 FROM grants WHERE code_id = ? AND item_row_id = ? AND device_uuid = ?`),
    report: db.query(`SELECT records_hash AS recordsHash, response, http_status AS httpStatus FROM reports WHERE device_uuid = ? AND report_id = ?`),
    saveReport: db.query(`INSERT INTO reports (device_uuid, report_id, records_hash, response, http_status, received_at) VALUES (?, ?, ?, ?, ?, ?)`),
    addUsage: db.query(
      `INSERT INTO usage_records (item_row_id, code_id, slot, name, count) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (item_row_id, code_id, slot, name) DO UPDATE SET count = min(count + ?5, ${MAX_SAFE})`,
    ),
    countAuthorization: db.query(
      `INSERT INTO authorization_counts (code, slot, granted, refused) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (code, slot) DO UPDATE SET granted = granted + ?3, refused = refused + ?4`,
    ),
    purgeReports: db.query(`DELETE FROM reports WHERE received_at < ?`),
    purgeAuthorizationCounts: db.query(`DELETE FROM authorization_counts WHERE slot < ?`),
    forgetSilentGrants: db.query(
      `DELETE FROM grants WHERE (item_row_id, device_uuid) IN (SELECT d.item_row_id, d.device_uuid FROM item_devices d JOIN license_items i ON i.id = d.item_row_id
         WHERE i.charge_way IN ${UNCAPPED_DEVICE_WAYS} AND d.last_seen_at < ?1) AND last_granted_at < ?1`,
    ),
    forgetSilentDevices: db.query(`DELETE FROM item_devices WHERE item_row_id IN (SELECT id FROM license_items WHERE charge_way IN ${UNCAPPED_DEVICE_WAYS}) AND last_seen_at < ?`),
  };
}

/** What the API read of the catalog at one version (see UsageStore.#catalog). */
interface Catalog {
  local: number;
  data: number;
  codes: Map<string, ApiCode>;
  defaults: Map<string, ApiCode>;
  organizations: Set<string>;
  items: Map<number, readonly ApiItem[]>;
}

function emptyCatalog(local: number, data: number): Catalog {
  return { local, data, codes: new Map(), defaults: new Map(), organizations: new Set(), items: new Map() };
}

type Row = Record<string, unknown>;

function toCode(row: unknown): ApiCode | null {
  if (!row) return null;
  const r = row as Row;
  return Object.freeze({
    id: r.id as number,
    code: r.code as string,
    organizationId: r.organizationId as string,
    enabled: r.enabled === 1,
    sessionPasswordMac: (r.sessionPasswordMac as string | null) ?? null,
    validationDomains: Object.freeze(JSON.parse(r.validationDomains as string)),
    validationAppIds: Object.freeze(JSON.parse(r.validationAppIds as string)),
    validationProcessNames: Object.freeze(JSON.parse(r.validationProcessNames as string)),
    customOrder: r.customOrder === 1,
    updatedAt: r.updatedAt as number,
  });
}

function toItem(row: unknown): ApiItem {
  const r = row as Row;
  return Object.freeze({
    ...(r as unknown as ApiItem),
    deploymentTypes: Object.freeze(JSON.parse(r.deploymentTypes as string)),
    modules: Object.freeze(JSON.parse(r.modules as string)),
  });
}
