import { describe, expect, test } from "bun:test";
import { catalogChanged } from "../../src/db/catalog-version";
import { closeDatabase, type Db } from "../../src/db/client";
import { openDataDir } from "../../src/db/data-dir";
import { ManualClock } from "../../src/lib/clock";
import { authorize, report } from "../../src/services/authorization";
import { editHandshakeCode, setHandshakeCodeEnabled } from "../../src/services/handshake-codes";
import { importLicenseFile } from "../../src/services/license-files";
import { apiWorld, authorizeBody, CODE, itemOf, reportBody } from "../helpers/api";
import { activatedLicense, signed } from "../helpers/licenses";
import { apiContextOn, seededDataDir } from "../helpers/shared-database";

// The API keeps the catalog (codes and their items) in memory between imports and edits
// (UsageStore). A change through a verb of this process, or a commit of another connection to the
// same database file (the `lts import` / `lts codes` CLI), is seen by the very next request.

const actor = { kind: "admin" as const, ip: null };
const itemRowIds = (db: Db) => (db.$client.query("SELECT id FROM license_items ORDER BY id").all() as { id: number }[]).map((r) => r.id);

describe("the catalog cache, in this process", () => {
  test("a code disabled, then enabled again, through the service verb is seen by the very next request", async () => {
    const api = await apiWorld();
    expect((await api.authorize()).status).toBe(200);
    expect((await api.report()).status).toBe(200);
    const ctx = { db: api.w.db, clock: api.w.clock, actor };
    setHandshakeCodeEnabled(ctx, { code: CODE, enabled: false });
    expect((await api.authorize()).body.error.code).toBe(101);
    expect((await api.report()).body.error.code).toBe(101);
    setHandshakeCodeEnabled(ctx, { code: CODE, enabled: true });
    expect((await api.authorize()).status).toBe(200);
  });

  test("a code edited through the service verb (validation domains) is seen by the very next request", async () => {
    const api = await apiWorld();
    expect((await api.authorize({ validation: { domain: "shop.example.com" } })).status).toBe(200);
    editHandshakeCode({ db: api.w.db, clock: api.w.clock, actor, instanceKey: api.w.deps.instanceKey }, { code: CODE, itemRowIds: itemRowIds(api.w.db), domains: ["example.org"] });
    const refused = await api.authorize({ validation: { domain: "shop.example.com" } });
    expect(refused.body.error.code).toBe(103);
    expect((await api.authorize({ validation: { domain: "www.example.org" } })).status).toBe(200);
  });

  test("an item imported onto the code is served by the very next request", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "scan", quantity: 1000, product: "dbr" }] });
    expect((await api.authorize({ product: "dcv" })).body.error.code).toBe(106);
    const file = new TextEncoder().encode(signed(activatedLicense(api.uuid, { licenseId: "300002", items: [itemOf({ itemId: "3000021", chargeWay: "scan", quantity: 10, product: "dcv" })] })));
    importLicenseFile({ db: api.w.db, clock: api.w.clock, actor, trustedIssuers: api.w.deps.trustedIssuers }, { file, machine: api.w.deps.machine.binding(actor), codeSuffix: "appA" });
    const granted = await api.authorize({ product: "dcv" });
    expect(granted.status).toBe(200);
    expect(granted.body.license.itemId).toBe("3000021");
  });

  test("it is a cache: a row changed behind the verbs' back on the same connection is seen only once catalogChanged() says so", async () => {
    const api = await apiWorld();
    expect((await api.authorize()).status).toBe(200);
    api.w.db.$client.run("UPDATE handshake_codes SET enabled = 0");
    expect((await api.authorize()).status).toBe(200);
    catalogChanged(api.w.db);
    expect((await api.authorize()).body.error.code).toBe(101);
  });
});

describe("the catalog cache and another connection to the same database file (PRAGMA data_version)", () => {
  const ITEM = itemOf({ itemId: "2000001", chargeWay: "scan", quantity: 1000 });


  const authorizeRequest = () => ({ ...(authorizeBody() as never as Parameters<typeof authorize>[1]), chargeWay: "auto" as const, instances: 1 });

  test("a code disabled by the other connection's verb (as `lts codes` would) is seen by the server's next request", async () => {
    const dir = seededDataDir("lts-cache-", [ITEM]);
    const [server, cli] = [openDataDir(dir), openDataDir(dir)];
    try {
      const ctx = apiContextOn(server);
      expect((await authorize(ctx, authorizeRequest())).granted).toBe(true);
      setHandshakeCodeEnabled({ db: cli, clock: new ManualClock(), actor: { kind: "console", ip: null } }, { code: CODE, enabled: false });
      const outcome = await authorize(ctx, authorizeRequest());
      expect(outcome.granted ? null : outcome.refusal.code).toBe(101);
    } finally {
      closeDatabase(server);
      closeDatabase(cli);
    }
  });

  test("an item revoked by a plain commit of the other connection (no verb of this process) is seen by the server's next report", async () => {
    const dir = seededDataDir("lts-cache-", [ITEM]);
    const [server, cli] = [openDataDir(dir), openDataDir(dir)];
    try {
      const ctx = apiContextOn(server);
      expect((await authorize(ctx, authorizeRequest())).granted).toBe(true);
      const body = () => {
        const b = reportBody({ clock: ctx.clock } as never) as never as Parameters<typeof report>[1];
        return b;
      };
      expect((await report(ctx, body())).ok).toBe(true);
      cli.$client.run("UPDATE license_items SET revoked_at = 1");
      const outcome = await report(ctx, body());
      expect(outcome.ok ? null : outcome.refusal.code).toBe(113);
    } finally {
      closeDatabase(server);
      closeDatabase(cli);
    }
  });
});
