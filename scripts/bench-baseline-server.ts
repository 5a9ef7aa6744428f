// The baselines of scripts/bench-api.ts: a bare Bun.serve endpoint doing what any durable write
// costs at least — parse a JSON body, one bun:sqlite insert and one select, with the same
// durability settings as LTS (WAL, synchronous=FULL), answering only after the COMMIT.
// Prints its port, serves until killed.
//
//   bun scripts/bench-baseline-server.ts DB_FILE [--group-commit]
//
// Without --group-commit every request commits on its own (one fsync each). With it, the
// requests that arrive within one event-loop turn share one BEGIN IMMEDIATE … COMMIT, as LTS's
// src/db/group-commit.ts does: the ceiling for LTS's durability (stack notes, turn-2 addendum).
import { Database } from "bun:sqlite";

const db = new Database(Bun.argv[2] ?? ":memory:", { create: true, strict: true });
const groupCommit = Bun.argv.includes("--group-commit");
db.exec("PRAGMA journal_mode = WAL");
db.exec("PRAGMA synchronous = FULL");
db.exec("PRAGMA busy_timeout = 5000");
db.exec("CREATE TABLE IF NOT EXISTS hits (id INTEGER PRIMARY KEY, device TEXT NOT NULL, n INTEGER NOT NULL)");
db.exec("CREATE INDEX IF NOT EXISTS hits_device ON hits (device)");
const insert = db.query("INSERT INTO hits (device, n) VALUES (?, ?)");
// An indexed point read, as LTS's own reads are: a count over the device's rows would grow with
// every request the run sends for one device, and the baseline would slow down as it runs.
const select = db.query("SELECT n FROM hits WHERE device = ? ORDER BY id DESC LIMIT 1");

function work(device: string): number {
  insert.run(device, 1);
  return (select.get(device) as { n: number }).n;
}

/** Work that arrived in this event-loop turn, committed together at its end. */
let batch: { device: string; resolve: (n: number) => void; reject: (e: unknown) => void }[] = [];
function flush() {
  const jobs = batch;
  batch = [];
  const results: number[] = [];
  try {
    db.run("BEGIN IMMEDIATE");
    for (const job of jobs) results.push(work(job.device));
    db.run("COMMIT");
  } catch (error) {
    if (db.inTransaction) db.run("ROLLBACK");
    for (const job of jobs) job.reject(error);
    return;
  }
  jobs.forEach((job, i) => job.resolve(results[i]!));
}
function committed(device: string): Promise<number> {
  return new Promise((resolve, reject) => {
    if (batch.push({ device, resolve, reject }) === 1) setImmediate(flush);
  });
}

const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(request) {
    const body = (await request.json()) as { device: { uuid: string } };
    const n = groupCommit ? await committed(body.device.uuid) : work(body.device.uuid);
    return Response.json({ ok: true, count: n, serverTime: new Date().toISOString() });
  },
});
console.log(`port ${server.port}`);
