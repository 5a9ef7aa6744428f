// The baseline of scripts/bench-api.ts: a bare Bun.serve endpoint doing what any durable write
// costs at least — parse a JSON body, one bun:sqlite insert and one select, with the same
// durability settings as LTS (WAL, synchronous=FULL). Prints its port, serves until killed.
//
//   bun scripts/bench-baseline-server.ts DB_FILE
import { Database } from "bun:sqlite";

const db = new Database(Bun.argv[2] ?? ":memory:", { create: true, strict: true });
db.exec("PRAGMA journal_mode = WAL");
db.exec("PRAGMA synchronous = FULL");
db.exec("PRAGMA busy_timeout = 5000");
db.exec("CREATE TABLE IF NOT EXISTS hits (id INTEGER PRIMARY KEY, device TEXT NOT NULL, n INTEGER NOT NULL)");
const insert = db.query("INSERT INTO hits (device, n) VALUES (?, ?)");
const select = db.query("SELECT count(*) AS n FROM hits WHERE device = ?");

const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(request) {
    const body = (await request.json()) as { device: { uuid: string } };
    insert.run(body.device.uuid, 1);
    const row = select.get(body.device.uuid) as { n: number };
    return Response.json({ ok: true, count: row.n, serverTime: new Date().toISOString() });
  },
});
console.log(`port ${server.port}`);
