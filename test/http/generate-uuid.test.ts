import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { auditEvents, licenses, machineIdentity } from "../../src/db/schema";
import { deriveMachineUuid, labelDigest } from "../../src/domain/machine-uuid";
import { VERSION } from "../../src/lib/version";
import { Browser, setUpAndLogIn, textOf, type Page } from "../helpers/browser";
import { FakeLabelReader, TEST_LABELS } from "../helpers/fake-labels";
import { tempDir } from "../helpers/temp";
import { createWorld } from "../helpers/world";

const MACHINE_ID = TEST_LABELS["machine-id"]!;
const MAC = "525400123456"; // TEST_LABELS.mac, normalized
const UUID_BOTH = deriveMachineUuid({ "machine-id": MACHINE_ID, mac: MAC });
const UUID_MACHINE_ID = deriveMachineUuid({ "machine-id": MACHINE_ID });

async function loggedIn(options: Parameters<typeof createWorld>[0] = {}) {
  const labels = new FakeLabelReader(undefined, { "motherboard-serial": "not readable: /sys/class/dmi is absent (container or VM)" });
  const w = createWorld({ labels, ...options });
  await w.deps.machine.settled();
  const admin = new Browser(w.app, "192.0.2.44");
  await setUpAndLogIn(admin, w.setupToken);
  return { ...w, labels, admin };
}

type World = Awaited<ReturnType<typeof loggedIn>>;

const generate = (w: World, labels: string[], extra: Record<string, string> = {}) =>
  w.admin.post("/generate-uuid", { ...Object.fromEntries(labels.map((l) => [`label-${l}`, "on"])), ...extra });

const actions = (w: World) => w.db.select().from(auditEvents).all().map((e) => e.action);
const stored = (w: World) => w.db.select().from(machineIdentity).get();
const health = async (w: Pick<World, "app">) => {
  const res = await w.app.request("/healthz");
  return { status: res.status, body: (await res.json()) as { status: string; reason: string; version: string; uuidMatches: boolean; clock: string; latestSeen: string } };
};

function importLicense(w: World, boundUuid: string) {
  const at = w.clock.now();
  w.db.insert(licenses)
    .values({
      licenseId: "1001",
      issuerKid: "kid-test",
      demoIssuer: false,
      alias: "Test license",
      organizationId: "acme",
      licensee: "ACME",
      boundUuids: [boundUuid],
      issuedAt: at,
      activatedAt: at,
      payloadSha256: "0".repeat(64),
      fileText: "-----BEGIN LTS LICENSE FILE-----",
      importedAt: at,
      updatedAt: at,
    })
    .run();
}

const checkbox = (page: Page, label: string) => page.doc.querySelector(`#label-${label}`)!;

describe("Generate UUID page", () => {
  test("lists every label; one without a value here is disabled with the reason", async () => {
    const w = await loggedIn();
    const page = await w.admin.get("/generate-uuid");
    expect(page.status).toBe(200);
    expect(textOf(page, "h1")).toBe("Generate UUID");
    const labels = [...page.doc.querySelectorAll("#generate-uuid-form .check label")].map((l) => l.textContent);
    expect(labels).toEqual(["ProcessorId", "MAC address", "Machine ID", "Motherboard serial", "Custom ID file"]);
    expect(checkbox(page, "mac").hasAttribute("disabled")).toBe(false);
    expect(checkbox(page, "machine-id").hasAttribute("disabled")).toBe(false);
    expect(checkbox(page, "motherboard-serial").hasAttribute("disabled")).toBe(true);
    expect(textOf(page, "#label-motherboard-serial-reason")).toBe("Not available: not readable: /sys/class/dmi is absent (container or VM)");
    expect(checkbox(page, "processor-id").hasAttribute("disabled")).toBe(true);
    expect(checkbox(page, "custom").hasAttribute("disabled")).toBe(false);
    expect(page.doc.querySelector("#field-customIdFile")).not.toBeNull();
    expect(textOf(page, "#generate-uuid-form button[type=submit]")).toBe("Generate UUID");
    expect(textOf(page, "#machine-uuid")).toContain("No UUID yet — Generate one");
    expect(page.text).toContain("More labels make a stricter binding");
    expect(page.doc.querySelector('.menu a[aria-current="page"]')?.textContent).toBe("Generate UUID");
  });

  test("never shows a label's raw value", async () => {
    const w = await loggedIn();
    const page = await w.admin.get("/generate-uuid");
    expect(page.text).not.toContain(MACHINE_ID);
    expect(page.text.toLowerCase()).not.toContain("52:54:00:12:34:56");
  });

  test("generates and stores the UUID, shows it with a copy button, and audits the labels only", async () => {
    const w = await loggedIn();
    const post = await generate(w, ["machine-id", "mac"]);
    expect(post.header("hx-redirect")).toBe("/generate-uuid?done=1");

    const row = stored(w)!;
    expect(row).toMatchObject({ uuid: UUID_BOTH, labels: ["mac", "machine-id"], customIdFile: null });
    expect(row.labelDigests).toEqual({ mac: labelDigest(MAC), "machine-id": labelDigest(MACHINE_ID) });
    const event = w.db.select().from(auditEvents).all().at(-1)!;
    expect(event).toMatchObject({ action: "uuid.generated", actor: "admin", ip: "192.0.2.44" });
    expect(JSON.parse(event.detail!)).toEqual({ uuid: UUID_BOTH, labels: ["mac", "machine-id"], previousUuid: null });
    expect(event.detail).not.toContain(MACHINE_ID);

    const page = await w.admin.get("/generate-uuid?done=1");
    expect(textOf(page, "#machine-uuid")).toBe(UUID_BOTH);
    expect(page.doc.querySelector("#machine-uuid + button[data-copy]")?.getAttribute("data-copy")).toBe(UUID_BOTH);
    expect(textOf(page, ".notice-ok")).toMatch(/generated and stored/);
    expect(checkbox(page, "mac").hasAttribute("checked")).toBe(true);
    expect(checkbox(page, "custom").hasAttribute("checked")).toBe(false);
    expect(page.doc.querySelector('script[src*="app.js"]')?.hasAttribute("defer")).toBe(true);

    const home = await w.admin.get("/");
    expect(textOf(home, "#machine-uuid")).toBe(UUID_BOTH);
    expect(home.doc.querySelector("button[data-copy]")?.getAttribute("data-copy")).toBe(UUID_BOTH);
    expect(home.doc.querySelector("#hardware-mismatch")).toBeNull();
  });

  test("Home says there is no UUID yet and links to Generate UUID", async () => {
    const w = await loggedIn();
    const home = await w.admin.get("/");
    expect(textOf(home, "#machine-uuid")).toMatch(/^No UUID yet — Generate one/);
    expect(home.doc.querySelector("#machine-uuid a")?.getAttribute("href")).toBe("/generate-uuid");
  });

  test("works without htmx too: 303 after success", async () => {
    const w = await loggedIn();
    const post = await w.admin.post("/generate-uuid", { "label-machine-id": "on", _csrf: "x" }, { htmx: false });
    // The CSRF token of a plain form must be the session's: a wrong one is refused.
    expect(post.status).toBe(403);
    const form = await w.admin.get("/generate-uuid");
    const token = form.doc.querySelector('#generate-uuid-form input[name="_csrf"]')!.getAttribute("value")!;
    const ok = await w.admin.post("/generate-uuid", { "label-machine-id": "on", _csrf: token }, { htmx: false });
    expect(ok.status).toBe(303);
    expect(stored(w)?.uuid).toBe(UUID_MACHINE_ID);
  });

  test("needs at least one label (422), and stores nothing", async () => {
    const w = await loggedIn();
    const page = await generate(w, []);
    expect(page.status).toBe(422);
    expect(textOf(page, "#field-labels-error")).toBe("Choose at least one label.");
    expect(page.doc.querySelector("#generate-uuid-form")).not.toBeNull();
    expect(stored(w)).toBeUndefined();
    expect(actions(w)).not.toContain("uuid.generated");
  });

  test("refuses a chosen label without a value here, naming it and the reason", async () => {
    const w = await loggedIn();
    const page = await generate(w, ["machine-id", "motherboard-serial"]);
    expect(page.status).toBe(422);
    expect(textOf(page, "#field-labels-error")).toBe("Motherboard serial (motherboard-serial) has no value on this machine: not readable: /sys/class/dmi is absent (container or VM).");
    expect(checkbox(page, "machine-id").hasAttribute("checked")).toBe(true);
    expect(stored(w)).toBeUndefined();
  });

  test("binds to a custom ID file's trimmed content, and keeps its path", async () => {
    const w = await loggedIn();
    const file = join(tempDir(), "lts-id");
    writeFileSync(file, "  site-42\n");
    const post = await generate(w, ["custom"], { customIdFile: file });
    expect(post.header("hx-redirect")).toBe("/generate-uuid?done=1");
    expect(stored(w)).toMatchObject({ uuid: deriveMachineUuid({ custom: "site-42" }), customIdFile: file });
    const page = await w.admin.get("/generate-uuid");
    expect(page.doc.querySelector("#field-customIdFile")?.getAttribute("value")).toBe(file);
    expect((await health(w)).status).toBe(200);
  });

  test("refuses a custom ID file that is missing, empty or not a full path, beside the field", async () => {
    const w = await loggedIn();
    const dir = tempDir();
    writeFileSync(join(dir, "empty"), "\n");
    const cases: [string, RegExp][] = [
      ["", /Enter the full path/],
      [join(dir, "missing"), /does not exist/],
      [join(dir, "empty"), /is empty/],
      ["relative/id", /full path/],
    ];
    for (const [path, message] of cases) {
      const page = await generate(w, ["custom"], { customIdFile: path });
      expect(page.status, path).toBe(422);
      expect(textOf(page, "#field-customIdFile-error")).toMatch(message);
      expect(page.doc.querySelector("#field-customIdFile")?.getAttribute("value")).toBe(path);
    }
    expect(stored(w)).toBeUndefined();
  });

  test("with licenses imported, a different UUID needs confirmation that says what breaks", async () => {
    const w = await loggedIn();
    await generate(w, ["machine-id", "mac"]);
    importLicense(w, UUID_BOTH);

    const warned = await generate(w, ["machine-id"]);
    expect(warned.status).toBe(409);
    expect(textOf(warned, "#generate-uuid-form .notice-error p")).toBe(
      `1 imported license(s) are bound to UUID ${UUID_BOTH}; with the new UUID ${UUID_MACHINE_ID} they stop authorizing clients until your vendor re-activates them for it.`,
    );
    expect(textOf(warned, 'label[for="field-confirm"]')).toBe("Yes, change the UUID");
    expect(warned.doc.querySelector('input[name="confirm"]')?.getAttribute("value")).toBe("yes");
    expect(stored(w)?.uuid).toBe(UUID_BOTH);

    const confirmed = await generate(w, ["machine-id"], { confirm: "yes" });
    expect(confirmed.header("hx-redirect")).toBe("/generate-uuid?done=1");
    expect(stored(w)?.uuid).toBe(UUID_MACHINE_ID);
    const event = w.db.select().from(auditEvents).all().at(-1)!;
    expect(JSON.parse(event.detail!)).toEqual({ uuid: UUID_MACHINE_ID, labels: ["machine-id"], previousUuid: UUID_BOTH, unboundLicenses: 1 });
  });

  test("with licenses imported, generating the same UUID again needs no confirmation", async () => {
    const w = await loggedIn();
    await generate(w, ["machine-id", "mac"]);
    importLicense(w, UUID_BOTH);
    expect((await generate(w, ["mac", "machine-id"])).header("hx-redirect")).toBe("/generate-uuid?done=1");
  });

  test("anonymous visitors can neither see nor generate", async () => {
    const w = await loggedIn();
    const anonymous = new Browser(w.app, "198.51.100.7");
    expect((await anonymous.get("/generate-uuid")).header("location")).toBe("/login?next=%2Fgenerate-uuid");
    const post = await anonymous.post("/generate-uuid", { "label-machine-id": "on" });
    expect(post.header("hx-redirect")).toMatch(/^\/login/);
    expect(stored(w)).toBeUndefined();
  });
});

describe("hardware binding mismatch", () => {
  test("a red banner on every admin page names the changed label and the new UUID", async () => {
    const w = await loggedIn();
    await generate(w, ["machine-id", "mac"]);
    w.labels.values.mac = "52:54:00:99:99:99";
    await w.deps.machine.refresh();
    const newUuid = deriveMachineUuid({ "machine-id": MACHINE_ID, mac: "525400999999" });

    for (const path of ["/", "/generate-uuid", "/change-password"]) {
      const page = await w.admin.get(path);
      const banner = textOf(page, "#hardware-mismatch.banner-danger");
      expect(banner, path).toBe(
        `Hardware binding mismatch: MAC address changed since the UUID was generated: clients are refused (code 100) until it is back, or until you import your licenses re-activated for the new UUID ${newUuid}.`,
      );
    }
    const home = await w.admin.get("/");
    expect(textOf(home, "#machine-uuid")).toBe(UUID_BOTH);
    expect(textOf(home, "#machine-uuid-now")).toBe(newUuid);

    expect(await health(w)).toEqual({
      status: 503,
      body: { status: "not-ready", reason: "hardware binding mismatch: MAC address changed since the UUID was generated", version: VERSION, uuidMatches: false, clock: "ok", latestSeen: expect.any(String) },
    });

    w.labels.values.mac = TEST_LABELS.mac;
    await w.deps.machine.refresh();
    expect((await w.admin.get("/")).doc.querySelector("#hardware-mismatch")).toBeNull();
    expect((await health(w)).status).toBe(200);
  });

  test("a chosen label that has no value any more: the banner says to choose other labels", async () => {
    const w = await loggedIn();
    await generate(w, ["machine-id", "mac"]);
    delete w.labels.values.mac;
    await w.deps.machine.refresh();
    const banner = textOf(await w.admin.get("/"), "#hardware-mismatch");
    expect(banner).toMatch(/^Hardware binding mismatch: MAC address changed .* until it is back, or until you generate a new UUID from labels this machine has/);
  });

  test("the banner is not shown before login", async () => {
    const w = await loggedIn();
    await generate(w, ["mac"]);
    w.labels.values.mac = "52:54:00:99:99:99";
    await w.deps.machine.refresh();
    const login = await new Browser(w.app).get("/login");
    expect(login.doc.querySelector("#hardware-mismatch")).toBeNull();
  });
});

describe("healthz and the machine UUID", () => {
  test("starting up, then no UUID yet, then ok once generated", async () => {
    let release!: () => void;
    const labels = new FakeLabelReader();
    const gate = new Promise<void>((r) => (release = r));
    const w = createWorld({ labels: async (options) => (await gate, labels.read(options)) });
    expect((await health(w)).body.reason).toMatch(/^starting up/);
    release();
    await w.deps.machine.settled();
    const none = await health(w);
    expect(none).toEqual({ status: 503, body: { status: "not-ready", reason: expect.stringMatching(/^no machine UUID yet: generate one in the portal \(Generate UUID\) or with `lts uuid generate`$/), version: VERSION, uuidMatches: false, clock: "ok", latestSeen: expect.any(String) } });

    const admin = new Browser(w.app);
    await setUpAndLogIn(admin, w.setupToken);
    await admin.post("/generate-uuid", { "label-machine-id": "on" });
    expect(await health(w)).toEqual({ status: 200, body: { status: "ok", reason: "ready", version: VERSION, uuidMatches: true, clock: "ok", latestSeen: expect.any(String) } });
  });
});
