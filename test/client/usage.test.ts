import { afterEach, describe, expect, test } from "bun:test";
import { LtsClientError, slotOf } from "../../src/client";
import { eventsOf, makeWorld, tearDown } from "./world";

afterEach(tearDown);

const MINUTE = 60_000;
const DAY = 86_400_000;

describe("slots", () => {
  test("a slot is the 3-minute UTC interval's start, with milliseconds", () => {
    expect(slotOf(Date.parse("2026-11-28T12:00:00.000Z"))).toBe("2026-11-28T12:00:00.000Z");
    expect(slotOf(Date.parse("2026-11-28T12:02:59.999Z"))).toBe("2026-11-28T12:00:00.000Z");
    expect(slotOf(Date.parse("2026-11-28T12:03:00.000Z"))).toBe("2026-11-28T12:03:00.000Z");
    expect(slotOf(Date.parse("2026-11-28T23:59:59.999Z"))).toBe("2026-11-28T23:57:00.000Z");
  });
});

describe("count and report", () => {
  test("counts per slot across slot boundaries and reports them in one report", async () => {
    const w = await makeWorld({ sp: "s3cret" });
    const client = w.client();
    await client.authorize();
    w.clock.set("2026-11-28T12:02:59.999Z");
    client.count("qr", 2);
    w.clock.set("2026-11-28T12:03:00.000Z");
    client.count("qr");
    client.count("oned");
    w.clock.set("2026-11-28T12:05:59.000Z");
    client.count("qr", 0);
    client.count("qr", 4);
    w.clock.set("2026-11-28T12:06:00.000Z");
    expect(client.status().pendingSlots).toBe(2);

    expect(await client.flush()).toEqual({ sent: 1, records: 2, dropped: 0, waitingReports: 0, pendingSlots: 0, stoppedBecause: null });
    const [report] = w.main.received("report");
    expect(report).toEqual({
      handshakeCode: "100200-appA",
      sessionPassword: "s3cret",
      itemId: "1000001",
      device: { uuid: "device-0001" },
      reportId: expect.stringMatching(/^[A-Za-z0-9_-]{8,64}$/),
      records: [
        { slot: "2026-11-28T12:00:00.000Z", counts: { qr: 2 } },
        { slot: "2026-11-28T12:03:00.000Z", counts: { qr: 5, oned: 1 } },
      ],
      nonce: expect.stringMatching(/^[A-Za-z0-9_-]{16,64}$/),
    });
    expect(eventsOf(w.events, "report-sent")).toMatchObject([{ records: 2, usage: 8, duplicate: false, server: "main" }]);
    expect(w.main.consumed).toBe(8);
  });

  test("nothing counted: flush sends nothing", async () => {
    const w = await makeWorld();
    const client = w.client();
    await client.authorize();
    expect((await client.flush()).sent).toBe(0);
    expect(w.main.received("report")).toHaveLength(0);
  });

  test("count() before any grant, and bad arguments, are errors", async () => {
    const w = await makeWorld();
    const client = w.client();
    expect(() => client.count("qr")).toThrow(LtsClientError);
    await client.authorize();
    expect(() => client.count("")).toThrow(/name/);
    expect(() => client.count("two words")).toThrow(/A-Z a-z 0-9 _ . -/);
    expect(() => client.count("__proto__")).toThrow(/name/);
    expect(() => client.count("x".repeat(65))).toThrow(/name/);
    client.count("dbr.qr_code-2");
    expect(() => client.count("qr", -1)).toThrow(/non-negative/);
    expect(() => client.count("qr", 1.5)).toThrow(/non-negative/);
    for (let i = 0; i < 31; i++) client.count(`m${i}`);
    expect(() => client.count("m32")).toThrow(/at most 32 names/);
  });

  test("a report that is not acknowledged is retried with the same reportId and records, and counted once", async () => {
    const w = await makeWorld();
    const client = w.client();
    await client.authorize();
    client.count("qr", 3);
    w.main.loseNextReportAnswers = 1;
    const first = await client.flush();
    expect(first).toMatchObject({ sent: 0, waitingReports: 1 });
    expect(first.stoppedBecause).toMatch(/no LTS-Signature header/);
    expect(eventsOf(w.events, "report-kept")).toHaveLength(1);

    // Counted meanwhile: goes into a later report, never into the sealed one.
    client.count("qr", 1);
    const second = await client.flush();
    expect(second).toMatchObject({ sent: 2, waitingReports: 0, pendingSlots: 0 });
    const [a, b, c] = w.main.received("report");
    expect(b!.reportId).toBe(a!.reportId);
    expect(b!.records).toEqual(a!.records);
    expect(c!.reportId).not.toBe(a!.reportId);
    expect(c!.records).toEqual([{ slot: "2026-11-28T12:00:00.000Z", counts: { qr: 1 } }]);
    expect(eventsOf(w.events, "report-sent").map((e) => e.duplicate)).toEqual([true, false]);
    expect(w.main.consumed).toBe(4);
  });

  test("an unacknowledged report survives a restart and is sent again as it was", async () => {
    const w = await makeWorld();
    const first = w.client();
    await first.authorize();
    first.count("scans", 7);
    w.main.behaviour = "unsigned";
    await first.flush();
    await first.close();
    const [lost] = w.main.received("report");

    w.main.behaviour = "ok";
    const second = w.client();
    await second.authorize();
    expect(second.status().waitingReports).toBe(1);
    await second.flush();
    const retried = w.main.received("report")[1]!;
    expect(retried.reportId).toBe(lost!.reportId);
    expect(retried.records).toEqual(lost!.records);
  });

  test("counts not yet flushed are kept in storage on close and reported by the next run", async () => {
    const w = await makeWorld();
    const first = w.client();
    await first.authorize();
    first.count("scans", 5);
    await first.close();
    const second = w.client();
    await second.authorize();
    await second.flush();
    expect(w.main.received("report")[0]!.records).toEqual([{ slot: "2026-11-28T12:00:00.000Z", counts: { scans: 5 } }]);
  });

  test("a backlog is split into reports of at most 1000 records, oldest first, sealed one at a time", async () => {
    const w = await makeWorld();
    const client = w.client();
    await client.authorize();
    for (let i = 0; i < 2_500; i++) {
      client.count("scans");
      w.clock.advance(3 * MINUTE);
    }
    w.main.behaviour = "unsigned";
    // The first report is sealed and kept; the rest stays as counted slots.
    expect(await client.flush()).toMatchObject({ sent: 0, waitingReports: 1, pendingSlots: 1_500 });

    w.main.behaviour = "ok";
    expect(await client.flush()).toMatchObject({ sent: 3, records: 2_500, waitingReports: 0, pendingSlots: 0 });
    const [lost, ...reports] = w.main.received("report");
    expect(reports.map((r) => r.records.length)).toEqual([1_000, 1_000, 500]);
    expect(reports[0]!.reportId).toBe(lost!.reportId);
    const slots = reports.flatMap((r) => r.records.map((rec: { slot: string }) => rec.slot));
    expect(slots).toEqual([...slots].sort());
    expect(new Set(slots).size).toBe(2_500);
    expect(slots[0]).toBe("2026-11-28T12:00:00.000Z");
    expect(w.main.consumed).toBe(2_500);
  });

  test("a report stays under the server's 256 KiB body limit even with 32 long names a slot", async () => {
    const w = await makeWorld();
    const client = w.client();
    await client.authorize();
    const names = Array.from({ length: 32 }, (_, i) => `module-with-a-rather-long-name-${String(i).padStart(2, "0")}`);
    for (let i = 0; i < 1_000; i++) {
      for (const name of names) client.count(name, 123_456);
      w.clock.advance(3 * MINUTE);
    }
    expect(await client.flush()).toMatchObject({ records: 1_000, waitingReports: 0 });
    const reports = w.main.received("report");
    expect(reports.length).toBeGreaterThan(1);
    for (const report of reports) expect(JSON.stringify(report).length).toBeLessThan(256 * 1024);
  });

  test("reports and counted slots older than 30 days are dropped, with an event", async () => {
    const w = await makeWorld({ server: { validForMs: 40 * DAY } });
    const client = w.client();
    await client.authorize();
    client.count("scans", 2);
    w.main.behaviour = "unsigned";
    expect(await client.flush()).toMatchObject({ waitingReports: 1 });
    w.clock.advance(MINUTE * 3);
    client.count("scans", 3);
    w.clock.advance(10 * DAY);
    client.count("scans", 4);
    w.main.behaviour = "ok";

    w.clock.advance(20 * DAY + 30 * MINUTE);
    const result = await client.flush();
    expect(result).toMatchObject({ sent: 1, records: 1, dropped: 2 });
    expect(eventsOf(w.events, "report-dropped")).toMatchObject([
      { reason: "too-old", records: 1, reportId: expect.any(String) },
      { reason: "too-old", records: 1, reportId: null },
    ]);
    expect(w.main.received("report").at(-1)!.records).toEqual([{ slot: "2026-12-08T12:03:00.000Z", counts: { scans: 4 } }]);
  });

  test("a report refused as invalid (code 1) is dropped: it could never succeed", async () => {
    const w = await makeWorld();
    const client = w.client();
    await client.authorize();
    client.count("scans");
    w.main.refuseReports = { code: 1, name: "INVALID_REQUEST" };
    expect(await client.flush()).toMatchObject({ sent: 0, dropped: 1, waitingReports: 0 });
    expect(eventsOf(w.events, "report-dropped")[0]).toMatchObject({ reason: "rejected", message: expect.stringContaining("INVALID_REQUEST (1)") });
  });

  test("a report refused for the code or the grant is kept, and the cached grant is forgotten", async () => {
    const w = await makeWorld();
    const client = w.client();
    await client.authorize();
    client.count("scans");
    w.main.refuseReports = { code: 102, name: "BAD_SESSION_PASSWORD" };
    expect(await client.flush()).toMatchObject({ sent: 0, waitingReports: 1 });
    expect(client.status()).toMatchObject({ state: "refused", refusal: { code: 102 } });
  });

  test("answer 120 on a report: usage exceeded, the grant is exhausted and the cache no longer serves", async () => {
    const w = await makeWorld({ server: { cap: 5 } });
    const client = w.client();
    await client.authorize();
    client.count("scans", 4);
    await client.flush();
    expect(client.status().state).toBe("granted");
    client.count("scans", 3);
    const result = await client.flush();
    expect(result).toMatchObject({ sent: 1, waitingReports: 0 });
    expect(eventsOf(w.events, "exhausted")).toMatchObject([{ refusal: { code: 120, name: "USAGE_EXCEEDED" } }]);
    expect(client.status()).toMatchObject({ state: "exhausted", refusal: { code: 120 } });

    // The server refuses from now on; offline, the client remembers.
    expect(await client.authorize()).toMatchObject({ ok: false, code: 120, server: "main" });
    w.main.stop();
    const later = w.client();
    await expect(later.authorize()).rejects.toThrow(LtsClientError);
  });

  test("the exhausted event comes once per grant, however many later reports are answered 120", async () => {
    const w = await makeWorld({ server: { cap: 5 } });
    const client = w.client();
    await client.authorize();
    client.count("scans", 7);
    await client.flush();
    client.count("scans", 2); // counting goes on after exhaustion; its report is answered 120 too
    expect(await client.flush()).toMatchObject({ sent: 1, waitingReports: 0 });
    expect(eventsOf(w.events, "exhausted")).toHaveLength(1);
  });

  test("offline after exhaustion: authorize answers the remembered 120", async () => {
    const w = await makeWorld({ server: { cap: 1 } });
    const client = w.client();
    await client.authorize();
    client.count("scans", 2);
    await client.flush();
    w.main.stop();
    expect(await client.authorize()).toMatchObject({ ok: false, code: 120, server: null });
  });
});

describe("the report timer", () => {
  test("reports every reportIntervalSeconds after the grant, and renews the grant when half its life is gone", async () => {
    const w = await makeWorld({ server: { chargeWay: "concurrent-device", validForMs: 6 * MINUTE } });
    const client = w.client({ autoReport: true, reportIntervalSeconds: 0.05 });
    await client.authorize();
    client.count("qr");
    await w.timers.advance(49);
    expect(w.main.received("report")).toHaveLength(0);
    await w.timers.advance(1);
    expect(w.main.received("report")).toHaveLength(1);
    expect(w.main.received("authorize")).toHaveLength(1);
    w.clock.advance(4 * MINUTE);
    await w.timers.advance(50);
    expect(w.main.received("authorize")).toHaveLength(2);
    await client.close();
  });

  test("usage left from an earlier run is sent as soon as the client is granted", async () => {
    const w = await makeWorld({ server: { reportIntervalSeconds: 3_600 } });
    const first = w.client();
    await first.authorize();
    first.count("scans", 2);
    await first.close();
    const second = w.client({ autoReport: true });
    await second.authorize();
    expect(w.main.received("report")).toHaveLength(0);
    await w.timers.advance(0);
    expect(w.main.received("report")).toHaveLength(1);
  });

  test("release() stops the timer: nothing is sent afterwards", async () => {
    const w = await makeWorld();
    const client = w.client({ autoReport: true, reportIntervalSeconds: 0.05 });
    await client.authorize();
    expect(await client.release()).toEqual({ ok: true, released: false });
    client.count("scans");
    await w.timers.advance(10 * MINUTE);
    expect(w.main.received("report")).toHaveLength(0);
  });

  test("a listener that throws does not break the client", async () => {
    const w = await makeWorld();
    const client = w.client({
      onEvent: () => {
        throw new Error("listener bug");
      },
    });
    expect((await client.authorize()).ok).toBe(true);
    client.count("scans");
    expect((await client.flush()).sent).toBe(1);
  });
});

describe("a report answered 113, 111 or 112", () => {
  for (const [code, name] of [[113, "LICENSE_REVOKED"], [111, "LICENSE_EXPIRED"], [112, "LICENSE_NOT_YET_VALID"]] as const) {
    test(`${code}: the usage was recorded, so the report is done; the grant is forgotten and the timer stops`, async () => {
      const w = await makeWorld();
      const client = w.client();
      await client.authorize();
      client.count("scans", 2);
      w.main.refuseReports = { code, name };
      expect(await client.flush()).toMatchObject({ sent: 1, waitingReports: 0, stoppedBecause: expect.stringContaining(`(${code})`) });
      expect(client.status()).toMatchObject({ state: "refused", refusal: { code } });
      expect(eventsOf(w.events, "refused")).toMatchObject([{ refusal: { code }, during: "report" }]);
      // Nothing is left to send again.
      w.main.refuseReports = null;
      expect(await client.flush()).toMatchObject({ sent: 0, waitingReports: 0 });
    });
  }
});

describe("the size of a report", () => {
  test("a report holds at most 4000 counts in all (the server's bound): 1000 slots of 8 names go in two reports", async () => {
    const w = await makeWorld();
    const client = w.client();
    await client.authorize();
    for (let i = 0; i < 1_000; i++) {
      for (let m = 0; m < 8; m++) client.count(`m${m}`);
      w.clock.advance(3 * MINUTE);
    }
    expect(await client.flush()).toMatchObject({ records: 1_000, waitingReports: 0 });
    const counts = w.main.received("report").map((r) => r.records.reduce((n: number, rec: { counts: object }) => n + Object.keys(rec.counts).length, 0));
    expect(counts).toEqual([4000, 4000]);
  });
});
