import { describe, expect, test } from "bun:test";
import { openMemoryDatabase } from "../../src/db/client";
import { auditEvents } from "../../src/db/schema";
import { transaction } from "../../src/db/transaction";
import { AppError } from "../../src/domain/errors";
import { deriveMachineUuid } from "../../src/domain/machine-uuid";
import { ManualClock } from "../../src/lib/clock";
import { consoleActor } from "../../src/services/context";
import { generateMachineUuid, loadStoredIdentity, MachineIdentity, previewMachineUuid, type MachineContext } from "../../src/services/machine-identity";
import { FakeLabelReader, TEST_LABELS } from "../helpers/fake-labels";

function setup() {
  const db = openMemoryDatabase();
  const labels = new FakeLabelReader();
  const clock = new ManualClock();
  const machine = new MachineIdentity(db, labels.read);
  const ctx: MachineContext = { db, clock, actor: consoleActor, machine: { readLabels: labels.read } };
  return { db, labels, clock, machine, ctx };
}

const MACHINE_ID = TEST_LABELS["machine-id"]!;

describe("MachineIdentity", () => {
  test("says starting up until the first refresh, then computes the status", async () => {
    const { machine } = setup();
    expect(machine.status()).toMatchObject({ state: "starting", ready: false, reason: expect.stringMatching(/^starting up/) });
    expect(await machine.refresh()).toMatchObject({ state: "none", ready: false });
  });

  test("reads the hardware once per refresh and lists every label", async () => {
    const { machine, labels } = setup();
    const readings = await machine.labels();
    expect(readings.map((r) => [r.label, r.value !== null])).toEqual([
      ["processor-id", false],
      ["mac", true],
      ["machine-id", true],
      ["motherboard-serial", false],
      ["custom", false],
    ]);
    expect(labels.reads).toBe(1);
  });

  test("the last refresh started wins over a slower earlier one", async () => {
    const { machine, ctx, labels } = setup();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = new MachineIdentity(ctx.db, async (o) => (await gate, labels.read(o)));
    const first = slow.refresh();
    await generateMachineUuid(ctx, { labels: ["machine-id"] });
    // A second refresh with the same slow reader, released together: the later one's view stands.
    const second = slow.refresh();
    release();
    await Promise.all([first, second]);
    expect(slow.status()).toMatchObject({ state: "ok", storedUuid: deriveMachineUuid({ "machine-id": MACHINE_ID }) });
    expect(machine.status().state).toBe("starting");
  });

  test("a refresh asks only for the stored UUID's labels, so a custom-ID-only UUID needs no hardware read", async () => {
    const { machine, ctx, labels } = setup();
    await machine.refresh();
    expect(labels.lastOnly).toBeUndefined();
    await generateMachineUuid(ctx, { labels: ["machine-id", "mac"] });
    await machine.refresh();
    expect([...labels.lastOnly!].sort()).toEqual(["mac", "machine-id"]);
  });

  test("notices a UUID stored by another process (lts uuid generate)", async () => {
    const { machine, ctx } = setup();
    await machine.refresh();
    machine.noticeStoredChange();
    expect(machine.status().state).toBe("none");
    await generateMachineUuid(ctx, { labels: ["machine-id"] });
    machine.noticeStoredChange();
    expect((await machine.settled()).state).toBe("ok");
  });

  test("adoptCurrentUuid rebinds to the UUID this hardware gives now, audited as uuid.rebound", async () => {
    const { db, machine, ctx, labels, clock } = setup();
    await generateMachineUuid(ctx, { labels: ["machine-id", "mac"] });
    const before = loadStoredIdentity(db)!.uuid;
    labels.values.mac = "52:54:00:99:99:99";
    const mismatch = await machine.refresh();
    expect(mismatch).toMatchObject({ state: "mismatch", changedLabels: ["mac"] });

    const result = transaction(db, (tx) => machine.adoptCurrentUuid(tx, clock.now(), consoleActor));
    expect(result).toEqual({ uuid: mismatch.uuid!, previousUuid: before });
    expect(loadStoredIdentity(db)).toMatchObject({ uuid: mismatch.uuid, labels: ["mac", "machine-id"] });
    const event = db.select().from(auditEvents).all().at(-1)!;
    expect(event).toMatchObject({ action: "uuid.rebound", actor: "console" });
    expect(JSON.parse(event.detail!)).toEqual({ uuid: mismatch.uuid, previousUuid: before, labels: ["mac", "machine-id"] });
    expect(await machine.refresh()).toMatchObject({ state: "ok", ready: true, storedUuid: mismatch.uuid });
    // Nothing to adopt once it matches.
    expect(transaction(db, (tx) => machine.adoptCurrentUuid(tx, clock.now()))).toBeNull();
  });

  test("adoptCurrentUuid in a transaction that rolls back changes nothing, and the status follows the database", async () => {
    const { db, machine, ctx, labels, clock } = setup();
    await generateMachineUuid(ctx, { labels: ["mac"] });
    labels.values.mac = "52:54:00:99:99:99";
    await machine.refresh();
    expect(() =>
      transaction(db, (tx) => {
        machine.adoptCurrentUuid(tx, clock.now());
        throw new Error("the import failed after all");
      }),
    ).toThrow("the import failed");
    await Bun.sleep(0);
    expect((await machine.settled()).state).toBe("mismatch");
  });

  test("adoptCurrentUuid is refused while starting up or while a chosen label has no value", async () => {
    const { db, machine, ctx, labels, clock } = setup();
    expect(() => transaction(db, (tx) => machine.adoptCurrentUuid(tx, clock.now()))).toThrow(/still reading/);
    await generateMachineUuid(ctx, { labels: ["mac"] });
    delete labels.values.mac;
    await machine.refresh();
    const attempt = () => transaction(db, (tx) => machine.adoptCurrentUuid(tx, clock.now()));
    expect(attempt).toThrow(AppError);
    expect(attempt).toThrow(/MAC address has no value here/);
  });
});

describe("previewMachineUuid", () => {
  test("derives the UUID without storing anything", async () => {
    const { db, ctx } = setup();
    const plan = await previewMachineUuid(ctx, { labels: ["machine-id"] });
    expect(plan).toMatchObject({ identity: { uuid: deriveMachineUuid({ "machine-id": MACHINE_ID }), labels: ["machine-id"] }, previousUuid: null, warning: null });
    expect(loadStoredIdentity(db)).toBeNull();
  });

  test("refuses unknown labels", async () => {
    const { ctx } = setup();
    await expect(previewMachineUuid(ctx, { labels: ["serial" as "mac"] })).rejects.toThrow(AppError);
  });
});
