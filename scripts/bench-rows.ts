#!/usr/bin/env bun
// What one random device's row costs in SQLite as an item's devices grow: the floor under
// bench:scale's ratios at 1,000,000 devices (README.md, "Scale").
//
//   bun scripts/bench-rows.ts [--sizes 20000,1000000] [--rounds 40] [--batch 32]
//
// For each size, a database file with the server's schema, settings (WAL, synchronous=FULL, the
// 64 MiB page cache, the memory map) and no automatic checkpoint (the server checkpoints on a thread
// of its own; here every 4th round), holding that many devices' grants and days (device_days, as
// bench:scale seeds them). Then, in rounds that alternate the sizes' order, operations on random
// devices, committed --batch at a time (the group commit's batch: bench:scale keeps 32 requests in
// flight; in bigger batches, rows among 20,000 devices share pages, among a million they do not):
//   read     a device's grant (SELECT by key: report's grant check)
//   update   a device's day (UPDATE by key: what every authorize and report writes)
// It prints the median µs an operation per size, and the ratio to the first size.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate, openDatabase, type Db } from "../src/db/client";
import { dayOf } from "../src/domain/slots";
import { median } from "./median";

const args = Bun.argv.slice(2);
const option = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : fallback);
const SIZES = option("--sizes", "20000,1000000").split(",").map(Number);
const ROUNDS = Number(option("--rounds", "40"));
const BATCH = Number(option("--batch", "32"));
const BATCHES = 10;
const NOW = Date.parse("2026-11-28T12:00:00.000Z");
const DAY = dayOf(NOW);

const root = mkdtempSync(join(tmpdir(), "lts-bench-rows-"));
process.on("exit", () => rmSync(root, { recursive: true, force: true }));

interface Subject {
  size: number;
  db: Db;
  read: () => void;
  update: () => void;
}

function subject(size: number): Subject {
  const db = openDatabase(join(root, `${size}.db`));
  migrate(db);
  const sqlite = db.$client;
  sqlite.run("PRAGMA wal_autocheckpoint = 0");
  // The rows alone: no license item or code is needed to time them.
  sqlite.run("PRAGMA foreign_keys = OFF");
  sqlite.transaction(() => {
    const numbers = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${size})`;
    sqlite.run(`INSERT INTO grants (code_id, item_row_id, device_uuid, first_granted_at, last_granted_at) ${numbers} SELECT 1, 1, 'seed-' || printf('%08d', i), ${NOW}, ${NOW} FROM n`);
    sqlite.run(`INSERT INTO device_days (item_row_id, day, device_uuid, code_id, authorizations, first_at, last_at) ${numbers} SELECT 1, ${DAY}, 'seed-' || printf('%08d', i), 1, 1, ${NOW}, ${NOW} FROM n`);
  })();
  sqlite.run("PRAGMA wal_checkpoint(TRUNCATE)");
  const grant = sqlite.query("SELECT 1 FROM grants WHERE code_id = 1 AND item_row_id = 1 AND device_uuid = ?");
  const bump = sqlite.query("UPDATE device_days SET reports = reports + 1, units = units + 1, last_at = max(last_at, ?2) WHERE item_row_id = 1 AND day = ?3 AND device_uuid = ?1 AND code_id = 1");
  const device = () => `seed-${String(1 + Math.floor(Math.random() * size)).padStart(8, "0")}`;
  return { size, db, read: () => void grant.get(device()), update: () => void bump.run(device(), NOW, DAY) };
}

/** µs an operation: BATCHES commits of BATCH operations. */
function time(s: Subject, op: () => void): number {
  const started = performance.now();
  for (let b = 0; b < BATCHES; b++) s.db.$client.transaction(() => { for (let i = 0; i < BATCH; i++) op(); })();
  return ((performance.now() - started) * 1000) / (BATCHES * BATCH);
}

const subjects = SIZES.map((size) => (process.stderr.write(`… seeding ${size.toLocaleString("en")} devices\n`), subject(size)));
const figures = new Map(subjects.map((s) => [s, { read: [] as number[], update: [] as number[] }]));
for (let round = 0; round < ROUNDS; round++) {
  for (const s of round % 2 ? subjects : [...subjects].reverse()) {
    if (round % 4 === 0) s.db.$client.run("PRAGMA wal_checkpoint(RESTART)");
    figures.get(s)!.read.push(time(s, s.read));
    figures.get(s)!.update.push(time(s, s.update));
  }
}
const base = figures.get(subjects[0]!)!;
console.log(`\nbench:rows — one random device's row, committed ${BATCH} at a time; median µs of ${ROUNDS} rounds, × the first size`);
for (const s of subjects) {
  const f = figures.get(s)!;
  const cell = (name: "read" | "update") => `${name} ${median(f[name]).toFixed(2).padStart(6)} µs ×${(median(f[name]) / median(base[name])).toFixed(2)}`;
  console.log(`${s.size.toLocaleString("en").padStart(10)} devices   ${cell("read")}   ${cell("update")}`);
  s.db.$client.close();
}
