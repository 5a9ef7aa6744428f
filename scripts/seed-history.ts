#!/usr/bin/env bun
// Synthetic usage history for the statistics benchmarks (scripts/bench-stats.ts) and for trying
// the statistics pages by hand: `scale` × 10,000 devices over `scale` × 365 days, on the items a
// database already has (import a license first), written with a few bulk SQL statements.
//
//   bun scripts/seed-history.ts --data-dir ./lts-data [--scale 1]
//
// What it writes, as the server itself would have kept it after that much time:
//   - daily and monthly rollups for every day, hourly rollups for the last 730 days (their retention);
//   - slot-level rows (usage_records, authorization_counts, concurrent_seats, device_days) for the last 35 days;
//   - the devices (item_devices, grants) and their last contacts spread over the period.
import { Database } from "bun:sqlite";
import { join, resolve } from "node:path";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const SLOT = 180_000;

export interface SeedOptions {
  /** 1: 10,000 devices over a year; 10: 100,000 devices over ten years. */
  scale: number;
  now: number;
}

interface SeedItem {
  id: number;
  chargeWay: string;
  modules: string[];
  quantity: number;
}

/** Seeds history into every item linked to a code; returns what it wrote. */
export function seedHistory(db: Database, { scale, now }: SeedOptions): { devices: number; days: number; items: number } {
  const items = (db.query(`SELECT id, charge_way AS chargeWay, modules, quantity FROM license_items`).all() as { id: number; chargeWay: string; modules: string; quantity: number }[]).map(
    (r): SeedItem => ({ ...r, modules: JSON.parse(r.modules) }),
  );
  const links = db.query(`SELECT code_id AS codeId, item_row_id AS itemRowId FROM handshake_code_items`).all() as { codeId: number; itemRowId: number }[];
  if (items.length === 0 || links.length === 0) throw new Error("The database has no items linked to a handshake code: import a license file first.");
  const codes = db.query(`SELECT id, code FROM handshake_codes`).all() as { id: number; code: string }[];
  const today = now - (now % DAY);
  const days = 365 * scale;
  const devices = 10_000 * scale;
  const hourlyDays = Math.min(days, 730);
  const slotDays = 35;

  const seq = (name: string, count: number) => `${name}(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM ${name} WHERE i + 1 < ${count})`;
  db.transaction(() => {
    for (const item of items) {
      const names = item.chargeWay === "page" ? ["pages", ...item.modules] : ["scans", ...item.modules];
      const codeIds = links.filter((l) => l.itemRowId === item.id).map((l) => l.codeId);
      for (const [k, name] of names.entries()) {
        // A daily volume that varies by day and name; hours share the day evenly-ish.
        const daily = `(100 + (d.i * 37 + ${k * 13}) % 400) * ${scale}`;
        for (const [period, count, ms] of [["day", days, DAY], ["hour", hourlyDays * 24, HOUR]] as const) {
          const value = period === "day" ? daily : `(5 + (d.i * 31 + ${k * 7}) % 30) * ${scale}`;
          db.run(`WITH RECURSIVE ${seq("d", count)} INSERT INTO item_rollups (item_row_id, period, bucket, metric, name, value)
            SELECT ${item.id}, '${period}', ${period === "day" ? today : now - (now % HOUR)} - d.i * ${ms}, 'consumed', '${name}', ${value} FROM d`);
          for (const codeId of codeIds) {
            db.run(`WITH RECURSIVE ${seq("d", count)} INSERT INTO code_rollups (code_id, item_row_id, period, bucket, metric, name, value)
              SELECT ${codeId}, ${item.id}, '${period}', ${period === "day" ? today : now - (now % HOUR)} - d.i * ${ms}, 'consumed', '${name}', ${value} FROM d`);
          }
        }
        db.run(`INSERT INTO item_rollups (item_row_id, period, bucket, metric, name, value) SELECT ${item.id}, 'all', 0, 'consumed', '${name}', sum(value) FROM item_rollups WHERE item_row_id = ${item.id} AND period = 'day' AND metric = 'consumed' AND name = '${name}'`);
        for (const codeId of codeIds) {
          db.run(`INSERT INTO code_rollups (code_id, item_row_id, period, bucket, metric, name, value) SELECT ${codeId}, ${item.id}, 'all', 0, 'consumed', '${name}', sum(value) FROM code_rollups WHERE code_id = ${codeId} AND item_row_id = ${item.id} AND period = 'day' AND metric = 'consumed' AND name = '${name}'`);
        }
        // Slot level: the last 35 days, one row per code and slot.
        for (const codeId of codeIds) {
          db.run(`WITH RECURSIVE ${seq("s", slotDays * 480)} INSERT INTO usage_records (item_row_id, code_id, slot, name, count)
            SELECT ${item.id}, ${codeId}, ${now - (now % SLOT)} - s.i * ${SLOT}, '${name}', 1 + s.i % 5 FROM s`);
        }
      }
      // Active devices per day, for the item and its codes.
      db.run(`WITH RECURSIVE ${seq("d", days)} INSERT INTO item_rollups (item_row_id, period, bucket, metric, name, value) SELECT ${item.id}, 'day', ${today} - d.i * ${DAY}, 'devices', '', ${devices} / 20 + d.i % 50 FROM d`);
      for (const codeId of codeIds) {
        db.run(`WITH RECURSIVE ${seq("d", days)} INSERT INTO code_rollups (code_id, item_row_id, period, bucket, metric, name, value) SELECT ${codeId}, ${item.id}, 'day', ${today} - d.i * ${DAY}, 'devices', '', ${devices} / 20 + d.i % 50 FROM d`);
      }
      // Per-device days (device_days) for the days still within their retention: the day's active
      // devices, as many as the devices rollups above say, each through every code of the item.
      for (const codeId of codeIds) {
        db.run(`WITH RECURSIVE ${seq("d", Math.min(days, slotDays + 1))}, ${seq("n", devices / 20 + 49)}
          INSERT INTO device_days (item_row_id, day, device_uuid, code_id, authorizations, reports, units, first_at, last_at)
          SELECT ${item.id}, ${today} - d.i * ${DAY}, printf('seed-%07d', (n.i * 7919 + d.i * 104729) % ${devices}), ${codeId}, 1 + n.i % 3, n.i % 20, (n.i * 13) % 50,
            ${today} - d.i * ${DAY} + (n.i % 1440) * 60000, ${today} - d.i * ${DAY} + (n.i % 1440) * 60000 FROM d JOIN n ON n.i < ${devices} / 20 + d.i % 50`);
      }
      if (item.chargeWay.startsWith("concurrent-")) {
        for (const metric of ["peak-devices", "peak-instances"]) {
          db.run(`WITH RECURSIVE ${seq("d", days)} INSERT INTO item_rollups (item_row_id, period, bucket, metric, name, value) SELECT ${item.id}, 'day', ${today} - d.i * ${DAY}, '${metric}', '', ${item.quantity} - d.i % 3 FROM d`);
          db.run(`WITH RECURSIVE ${seq("h", hourlyDays * 24)} INSERT INTO item_rollups (item_row_id, period, bucket, metric, name, value) SELECT ${item.id}, 'hour', ${now - (now % HOUR)} - h.i * ${HOUR}, '${metric}', '', ${item.quantity} - h.i % 4 FROM h`);
        }
        // Seats: `quantity` devices in each slot of the last 35 days.
        db.run(`WITH RECURSIVE ${seq("s", slotDays * 480)}, ${seq("k", item.quantity)} INSERT INTO concurrent_seats (item_row_id, slot, device_uuid, instances, over_allowance)
          SELECT ${item.id}, ${now - (now % SLOT)} - s.i * ${SLOT}, printf('seed-%07d', k.i), 1, 0 FROM s CROSS JOIN k`);
      }
      // The devices themselves, their last contacts spread over the period.
      const windowDays = item.chargeWay === "device" ? 365 : 0;
      db.run(`WITH RECURSIVE ${seq("n", devices)} INSERT OR IGNORE INTO item_devices (item_row_id, device_uuid, device_name, first_seen_at, last_seen_at, active_until)
        SELECT ${item.id}, printf('seed-%07d', n.i), NULL, ${now} - ${days * DAY}, ${now} - (n.i * 7919 % ${days}) * ${DAY}, ${now} - (n.i * 7919 % ${days}) * ${DAY} + ${windowDays * DAY} FROM n`);
      for (const codeId of codeIds) {
        db.run(`INSERT OR IGNORE INTO grants (code_id, item_row_id, device_uuid, first_granted_at, last_granted_at) SELECT ${codeId}, item_row_id, device_uuid, first_seen_at, last_seen_at FROM item_devices WHERE item_row_id = ${item.id}`);
      }
    }
    for (const code of codes) {
      for (const [result, base] of [[0, 900], [106, 20], [120, 5]] as const) {
        db.run(`WITH RECURSIVE ${seq("d", days)} INSERT INTO authorization_rollups (code, period, bucket, result, count) SELECT '${code.code}', 'day', ${today} - d.i * ${DAY}, ${result}, ${base * scale} + d.i % 17 FROM d`);
        db.run(`WITH RECURSIVE ${seq("h", hourlyDays * 24)} INSERT INTO authorization_rollups (code, period, bucket, result, count) SELECT '${code.code}', 'hour', ${now - (now % HOUR)} - h.i * ${HOUR}, ${result}, ${Math.ceil(base / 24) * scale} FROM h`);
        db.run(`INSERT INTO authorization_rollups (code, period, bucket, result, count) SELECT '${code.code}', 'all', 0, ${result}, sum(count) FROM authorization_rollups WHERE code = '${code.code}' AND period = 'day' AND result = ${result}`);
      }
      db.run(`WITH RECURSIVE ${seq("s", slotDays * 480)} INSERT OR IGNORE INTO authorization_counts (code, slot, granted, refused) SELECT '${code.code}', ${now - (now % SLOT)} - s.i * ${SLOT}, 3 * ${scale}, ${scale} FROM s`);
    }
    // Months from the days, as the server keeps them (sums; maxima for the peaks).
    const month = "CAST(strftime('%s', bucket / 1000, 'unixepoch', 'start of month') AS INTEGER) * 1000";
    db.run(`INSERT OR REPLACE INTO item_rollups (item_row_id, period, bucket, metric, name, value)
      SELECT item_row_id, 'month', ${month}, metric, name, CASE WHEN metric LIKE 'peak-%' THEN max(value) ELSE sum(value) END FROM item_rollups WHERE period = 'day' GROUP BY 1, 3, 4, 5`);
    db.run(`INSERT OR REPLACE INTO code_rollups (code_id, item_row_id, period, bucket, metric, name, value)
      SELECT code_id, item_row_id, 'month', ${month}, metric, name, sum(value) FROM code_rollups WHERE period = 'day' GROUP BY 1, 2, 4, 5, 6`);
    db.run(`INSERT OR REPLACE INTO authorization_rollups (code, period, bucket, result, count)
      SELECT code, 'month', ${month}, result, sum(count) FROM authorization_rollups WHERE period = 'day' GROUP BY 1, 3, 4`);
  })();
  return { devices, days, items: items.length };
}

if (import.meta.main) {
  const args = Bun.argv.slice(2);
  const option = (name: string, fallback: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
  };
  const scale = Number(option("--scale", "1"));
  if (!Number.isInteger(scale) || scale < 1 || scale > 100) throw new Error("--scale must be a whole number from 1 to 100.");
  const dbPath = join(resolve(option("--data-dir", "./lts-data")), "lts.db");
  const db = new Database(dbPath);
  db.run("PRAGMA busy_timeout = 5000");
  const started = performance.now();
  const seeded = seedHistory(db, { scale, now: Date.now() });
  console.log(`Seeded ${seeded.devices} devices over ${seeded.days} days on ${seeded.items} item(s) of ${dbPath} in ${Math.round(performance.now() - started)} ms.`);
  db.close();
}
