import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { closeDatabase, type Db } from "../../src/db/client";
import { openDataDir } from "../../src/db/data-dir";
import { authorize } from "../../src/services/authorization";
import { apiWorld, authorizeBody, deviceId, freshNonce, itemOf, post, reportBody, slotIso, type Answer } from "../helpers/api";
import { apiContextOn, seededDataDir } from "../helpers/shared-database";
import { tempDir } from "../helpers/temp";

// reliability-security.md §3 R: check and charge are one synchronous BEGIN IMMEDIATE transaction,
// so concurrent requests can never take more than there is, nor count one report twice.

const scalar = (db: Db, sql: string) => Object.values(db.$client.query(sql).get() as object)[0] as number;
const codes = (answers: Answer[]) => answers.reduce<Record<string, number>>((m, a) => ((m[a.body.error?.code ?? "ok"] = (m[a.body.error?.code ?? "ok"] ?? 0) + 1), m), {});

describe("races on one server (R1–R3)", () => {
  test("R1: 200 concurrent new devices against a device item with exactly 10 seats left: exactly 10 are granted", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "device", quantity: 10 }] }); // 11 seats with the tolerance
    expect((await api.authorize({ device: { uuid: "device-first" } })).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => api.authorize({ device: { uuid: deviceId(i + 1) } })));
    expect(codes(answers)).toEqual({ ok: 10, "120": 190 });
    expect(scalar(api.w.db, "SELECT count(*) FROM item_devices")).toBe(11);
    expect(scalar(api.w.db, "SELECT sum(granted) FROM authorization_counts")).toBe(11);
  });

  test("R1: concurrent new devices against a concurrent item never take more than seats + allowance", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "concurrent-device", quantity: 3 }] });
    api.w.db.$client.run("INSERT INTO allowance_usage (item_row_id, license_year, used) SELECT id, 0, 2995 FROM license_items");
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => api.authorize({ device: { uuid: deviceId(i + 1) } })));
    expect(codes(answers)).toEqual({ ok: 8, "120": 42 });
    expect(scalar(api.w.db, "SELECT used FROM allowance_usage")).toBe(3000);
  });

  test("R2: 20 concurrent copies of one report are counted once", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "scan", quantity: 1000, modules: ["qr", "oned"] }] });
    await api.authorize();
    const body = reportBody(api.w, { records: [{ slot: slotIso(api.w), counts: { qr: 7, oned: 2 } }] });
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(api.w, "report", { ...body, nonce: freshNonce() })));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers.filter((a) => a.body.duplicate === false)).toHaveLength(1);
    expect(scalar(api.w.db, "SELECT consumed FROM item_counters")).toBe(9);
    expect(scalar(api.w.db, "SELECT sum(count) FROM usage_records")).toBe(9);
    expect(scalar(api.w.db, "SELECT count(*) FROM reports")).toBe(1);
  });

  test("R3: concurrent reports across the 105 % cap: the ledger, the accepted sum and consumed agree", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "scan", quantity: 100 }] }); // cap 105
    const devices = Array.from({ length: 30 }, (_, i) => deviceId(i + 1));
    for (const uuid of devices) expect((await api.authorize({ device: { uuid } })).status).toBe(200);
    const answers = await Promise.all(devices.map((uuid) => api.report({ device: { uuid }, records: [{ slot: slotIso(api.w), counts: { scans: 5 } }] })));
    // Every report is recorded (usage happened); those that leave consumed ≤ 105 are answered 200.
    expect(codes(answers)).toEqual({ ok: 21, "120": 9 });
    const accepted = answers.filter((a) => a.status === 200 || a.body.error.code === 120).length * 5;
    expect(scalar(api.w.db, "SELECT sum(count) FROM usage_records")).toBe(accepted);
    expect(scalar(api.w.db, "SELECT consumed FROM item_counters")).toBe(accepted);
    expect((await api.authorize()).body.error.code).toBe(120);
  });

  test("R3: concurrent authorizations and reports on a nearly used-up scan item stop at the cap", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "scan", quantity: 20 }] }); // cap 21
    await api.authorize();
    await api.report({ records: [{ slot: slotIso(api.w), counts: { scans: 20 } }] });
    const answers = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => api.authorize({ device: { uuid: deviceId(i + 10) } })),
      ...Array.from({ length: 5 }, () => api.report({ records: [{ slot: slotIso(api.w), counts: { scans: 1 } }] })),
    ]);
    expect(scalar(api.w.db, "SELECT consumed FROM item_counters")).toBe(25);
    expect(answers.slice(10).map((a) => a.body.error?.code ?? 200)).toEqual([200, 120, 120, 120, 120]);
  });
});

describe("two connections to one database file (what the server and an admin command, or two processes, share)", () => {
  const ITEM = itemOf({ chargeWay: "device", quantity: 20 }); // 22 seats with the tolerance


  const request = (uuid: string) => ({ ...(authorizeBody({ device: { uuid } }) as never as Parameters<typeof authorize>[1]), chargeWay: "auto" as const, instances: 1 });

  test("while one connection is inside its transaction, the other cannot begin one: it waits (or, past busy_timeout, fails having changed nothing)", async () => {
    const dir = seededDataDir("lts-race-", [ITEM]);
    const a = openDataDir(dir);
    const b = openDataDir(dir);
    try {
      b.$client.exec("PRAGMA busy_timeout = 50");
      a.$client.exec("BEGIN IMMEDIATE");
      await expect(authorize(apiContextOn(b), request("device-b-0001"))).rejects.toThrow(/locked|busy/i);
      a.$client.exec("COMMIT");
      expect((await authorize(apiContextOn(b), request("device-b-0001"))).granted).toBe(true);
      expect(scalar(a, "SELECT count(*) FROM item_devices")).toBe(1);
    } finally {
      closeDatabase(a);
      closeDatabase(b);
    }
  });

  test("interleaved batches of authorizations on two connections take exactly the seats there are", async () => {
    const dir = seededDataDir("lts-race-", [ITEM]);
    const [a, b] = [openDataDir(dir), openDataDir(dir)];
    try {
      const [ca, cb] = [apiContextOn(a), apiContextOn(b)];
      let granted = 0;
      for (let round = 0; round < 6; round++) {
        const batch = Array.from({ length: 5 }, (_, i) => [authorize(ca, request(`device-a-${round}-${i}`)), authorize(cb, request(`device-b-${round}-${i}`))]).flat();
        granted += (await Promise.all(batch)).filter((o) => o.granted).length;
      }
      expect(granted).toBe(22);
      expect(scalar(b, "SELECT count(*) FROM item_devices")).toBe(22);
    } finally {
      closeDatabase(a);
      closeDatabase(b);
    }
  });

  test("four processes authorizing new devices at once on one data dir take exactly the seats there are", async () => {
    const dir = seededDataDir("lts-race-", [ITEM]);
    const root = resolve(import.meta.dir, "../..");
    const worker = join(tempDir("lts-race-worker-"), "worker.ts");
    writeFileSync(
      worker,
      `
      import { existsSync } from "node:fs";
      import { openDataDir } from ${JSON.stringify(join(root, "src/db/data-dir"))};
      import { closeDatabase } from ${JSON.stringify(join(root, "src/db/client"))};
      import { GroupCommit } from ${JSON.stringify(join(root, "src/db/group-commit"))};
      import { FailureLimiter } from ${JSON.stringify(join(root, "src/domain/request-limiter"))};
      import { ManualClock } from ${JSON.stringify(join(root, "src/lib/clock"))};
      import { authorize } from ${JSON.stringify(join(root, "src/services/authorization"))};
      import { UsageStore } from ${JSON.stringify(join(root, "src/services/usage/usage-store"))};
      const [dir, name] = process.argv.slice(2);
      const db = openDataDir(dir);
      const commit = new GroupCommit(db);
      const ctx = { db, atomically: (work) => commit.run(work), store: new UsageStore(db), clock: new ManualClock(), instanceKey: { mac: () => "" }, passwordLimiter: new FailureLimiter(), notReady: () => null, source: { ip: null, origin: null } };
      while (!existsSync(dir + "/go")) await Bun.sleep(2);
      let granted = 0;
      for (let round = 0; round < 10; round++) {
        // Four at a time: the server's group commit takes them in one transaction.
        const outcomes = await Promise.all([0, 1, 2, 3].map((i) => authorize(ctx, { handshakeCode: "100200-appA", device: { uuid: name + "-" + round + "-" + i }, product: "dbr", version: 10, edition: "javascript", deploymentType: "browser", chargeWay: "auto", instances: 1, nonce: "nonce-0123456789abcdef" })));
        granted += outcomes.filter((o) => o.granted).length;
      }
      closeDatabase(db);
      console.log(JSON.stringify({ granted }));
      `,
    );
    const children = ["pa", "pb", "pc", "pd"].map((name) => Bun.spawn([process.execPath, worker, dir, name], { stdout: "pipe", stderr: "pipe" }));
    await Bun.sleep(300);
    writeFileSync(join(dir, "go"), "");
    const results = await Promise.all(
      children.map(async (child) => {
        const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
        expect(code, err).toBe(0);
        return JSON.parse(out.trim()) as { granted: number };
      }),
    );
    expect(results.reduce((s, r) => s + r.granted, 0)).toBe(22);
    const db = openDataDir(dir);
    try {
      expect(scalar(db, "SELECT count(*) FROM item_devices")).toBe(22);
      expect(scalar(db, "SELECT sum(granted) + sum(refused) FROM authorization_counts")).toBe(160);
    } finally {
      closeDatabase(db);
    }
  }, 30_000);
});
