import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DEMO_ISSUER } from "../../src/domain/demo-issuer";
import { issuerPublicKeyFromPem, issuerSignerFromPem, type IssuerPublicKey } from "../../src/domain/issuer-key";
import { LicenseFileError, openLicenseFile } from "../../src/domain/license-file";
import { tempDir } from "../helpers/temp";
import { licenseItem } from "../helpers/licenses";

const VENDOR = resolve(import.meta.dir, "../../src/issuer/main.ts");
const UUID = "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0";
const STANDBY = "A1B2C3D4-E5F6-0718-293A-4B5C6D7E8F90";

/** Runs `lts-vendor ARGS` from source in `cwd`. */
async function vendor(args: string[], cwd: string) {
  const proc = Bun.spawn([process.execPath, VENDOR, ...args], { cwd, stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { PATH: process.env.PATH ?? "" } });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

/** A spec item without an id (the tool makes one), valid until 2099. */
const item = (overrides: Record<string, unknown> = {}) => {
  const { itemId: _, ...withoutId } = licenseItem({ expiresAt: "2099-01-01T00:00:00.000Z" });
  return { ...withoutId, ...overrides };
};

/** A folder with spec.json (two items, ids left to the tool unless given) and nothing else. */
function workspace(spec: Record<string, unknown> = {}) {
  const dir = tempDir("lts-vendor-");
  const content = { alias: "Acme production", organizationId: "100200", licensee: "Acme Corp", items: [item(), item({ chargeWay: "device", windowDays: 90, quantity: 50 })], ...spec };
  writeFileSync(join(dir, "spec.json"), JSON.stringify(content, null, 2));
  return dir;
}

const open = (dir: string, file: string, trusted: IssuerPublicKey[] = [DEMO_ISSUER]) => openLicenseFile(readFileSync(join(dir, file)), trusted);

describe("lts-vendor --help", () => {
  test("lists every command of PROTOCOL.md", async () => {
    const { code, stdout } = await vendor(["--help"], tempDir());
    expect(code).toBe(0);
    for (const line of [
      "lts-vendor keygen --out-dir DIR",
      "lts-vendor issue --spec SPEC.json --out FILE [--key DIR/issuer.key | --demo]",
      "lts-vendor activate --license FILE --uuid UUID [--uuid UUID2] --out FILE [--key DIR/issuer.key | --demo]",
      "lts-vendor revoke --item ID [--item ID ...] --organization ORG --uuid UUID [--uuid UUID2] --out FILE [--key DIR/issuer.key | --demo]",
      "lts-vendor inspect FILE [--pub FILE.pub ...]",
    ]) {
      expect(stdout).toContain(line);
    }
  });

  test("each command explains its flags", async () => {
    const dir = tempDir();
    for (const [command, flags] of [
      ["keygen", ["--out-dir DIR"]],
      ["issue", ["--spec SPEC.json", "--out FILE", "--key DIR/issuer.key", "--demo"]],
      ["activate", ["--license FILE", "--uuid UUID", "--out FILE"]],
      ["revoke", ["--item ID", "--organization ORG", "--uuid UUID"]],
      ["inspect", ["--pub FILE.pub"]],
    ] as const) {
      const { code, stdout } = await vendor([command, "--help"], dir);
      expect(code).toBe(0);
      for (const flag of flags) expect(stdout).toContain(flag);
    }
  });
});

describe("lts-vendor keygen", () => {
  test("writes issuer.key (PKCS#8, 0600) and issuer.pub (SPKI) and prints the kid", async () => {
    const dir = tempDir();
    const { code, stdout } = await vendor(["keygen", "--out-dir", "keys"], dir);
    expect(code).toBe(0);
    const keyPem = readFileSync(join(dir, "keys/issuer.key"), "utf8");
    const pubPem = readFileSync(join(dir, "keys/issuer.pub"), "utf8");
    expect(keyPem).toStartWith("-----BEGIN PRIVATE KEY-----\n");
    expect(pubPem).toStartWith("-----BEGIN PUBLIC KEY-----\n");
    expect(statSync(join(dir, "keys/issuer.key")).mode & 0o777).toBe(0o600);
    const pub = issuerPublicKeyFromPem(pubPem);
    expect(issuerSignerFromPem(keyPem).publicKey).toEqual(pub);
    expect(stdout).toContain(`kid: ${pub.kid}`);
    expect(stdout).toContain("npm run build -- --issuer-key keys/issuer.pub");
  });

  test("never overwrites a key", async () => {
    const dir = tempDir();
    await vendor(["keygen", "--out-dir", dir], dir);
    const before = readFileSync(join(dir, "issuer.key"), "utf8");
    const again = await vendor(["keygen", "--out-dir", dir], dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("issuer.key already exists, and keygen never overwrites a key");
    expect(readFileSync(join(dir, "issuer.key"), "utf8")).toBe(before);
  });
});

describe("lts-vendor issue", () => {
  test("--demo: a new license signed by the demo issuer, with ids generated", async () => {
    const dir = workspace();
    const { code, stdout } = await vendor(["issue", "--spec", "spec.json", "--out", "new.lic", "--demo"], dir);
    expect(code).toBe(0);
    const { payload, issuer } = open(dir, "new.lic");
    expect(issuer.demo).toBe(true);
    expect(payload).toMatchObject({ status: "new", boundUuids: [], activatedAt: null, organizationId: "100200", alias: "Acme production" });
    expect(payload.licenseId).toMatch(/^[1-9][0-9]{15}$/);
    expect(payload.items.map((i) => i.itemId)).toEqual([expect.stringMatching(/^[1-9][0-9]{15}$/), expect.stringMatching(/^[1-9][0-9]{15}$/)]);
    expect(new Set(payload.items.map((i) => i.itemId)).size).toBe(2);
    expect(Date.now() - Date.parse(payload.issuedAt)).toBeLessThan(60_000);
    expect(stdout).toContain(`License ${payload.licenseId} "Acme production" for Acme Corp (organization 100200): new, 2 item(s)`);
    expect(stdout).toContain("demo issuer");
    expect(stdout).toContain("lts-vendor activate --license new.lic --uuid UUID");
  });

  test("--key: signed by the vendor's key, keeping the ids given", async () => {
    const dir = workspace({ licenseId: "2001", items: [item({ itemId: "1000001" })] });
    await vendor(["keygen", "--out-dir", "keys"], dir);
    const { code } = await vendor(["issue", "--spec", "spec.json", "--out", "new.lic", "--key", "keys/issuer.key"], dir);
    expect(code).toBe(0);
    const pub = issuerPublicKeyFromPem(readFileSync(join(dir, "keys/issuer.pub"), "utf8"));
    const { payload, kid } = open(dir, "new.lic", [pub]);
    expect(kid).toBe(pub.kid);
    expect(payload.licenseId).toBe("2001");
    expect(payload.items[0]!.itemId).toBe("1000001");
    expect(() => open(dir, "new.lic")).toThrow(LicenseFileError);
  });

  test("an invalid spec is refused with every field named, and no file is written", async () => {
    const dir = workspace({ items: [item({ quantity: -1 }), item({ chargeWay: "per-seat", expiresAt: "2025-01-01T00:00:00.000Z" }), item({ chargeWay: "device" })] });
    const { code, stderr } = await vendor(["issue", "--spec", "spec.json", "--out", "new.lic", "--demo"], dir);
    expect(code).toBe(1);
    expect(stderr).toContain("--spec spec.json does not describe a valid license:");
    expect(stderr).toContain("items[0].quantity: must be a whole number from 1 to 9007199254740991");
    expect(stderr).toContain("items[1].chargeWay: must be one of device, concurrent-device, concurrent-instance, scan, page or domain");
    expect(stderr).toContain("items[1].expiresAt: must be after startsAt");
    expect(stderr).toContain('items[2].windowDays: is required for chargeWay "device"');
    expect(existsSync(join(dir, "new.lic"))).toBe(false);
  });

  test("a spec that is not JSON, or missing, is refused naming --spec", async () => {
    const dir = workspace();
    writeFileSync(join(dir, "bad.json"), "{ alias: ");
    const bad = await vendor(["issue", "--spec", "bad.json", "--out", "new.lic", "--demo"], dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--spec bad.json is not valid JSON");
    const missing = await vendor(["issue", "--spec", "nope.json", "--out", "new.lic", "--demo"], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("Cannot read --spec nope.json: no such file or folder.");
  });
});

describe("lts-vendor activate", () => {
  test("binds a new license to the UUIDs given (lower case accepted), keeping its id and items", async () => {
    const dir = workspace();
    await vendor(["issue", "--spec", "spec.json", "--out", "new.lic", "--demo"], dir);
    const { code, stdout } = await vendor(["activate", "--license", "new.lic", "--uuid", UUID.toLowerCase(), "--uuid", STANDBY, "--out", "act.lic", "--demo"], dir);
    expect(code).toBe(0);
    const before = open(dir, "new.lic").payload;
    const after = open(dir, "act.lic").payload;
    expect(after).toMatchObject({ status: "activated", boundUuids: [UUID, STANDBY], licenseId: before.licenseId, items: before.items, issuedAt: before.issuedAt });
    expect(Date.parse(after.activatedAt!)).toBeGreaterThanOrEqual(Date.parse(before.issuedAt));
    expect(stdout).toContain(`bound to ${UUID} and ${STANDBY}`);
  });

  test("re-activates an activated license for new hardware: same license id, new UUIDs", async () => {
    const dir = workspace();
    await vendor(["issue", "--spec", "spec.json", "--out", "new.lic", "--demo"], dir);
    await vendor(["activate", "--license", "new.lic", "--uuid", UUID, "--out", "act.lic", "--demo"], dir);
    const { code, stdout } = await vendor(["activate", "--license", "act.lic", "--uuid", STANDBY, "--out", "moved.lic", "--demo"], dir);
    expect(code).toBe(0);
    expect(open(dir, "moved.lic").payload).toMatchObject({ licenseId: open(dir, "act.lic").payload.licenseId, boundUuids: [STANDBY] });
    expect(stdout).toContain(`was bound to ${UUID}`);
  });

  test("refuses a license signed by another key than the one given, and a tampered one", async () => {
    const dir = workspace();
    await vendor(["keygen", "--out-dir", "keys"], dir);
    await vendor(["issue", "--spec", "spec.json", "--out", "new.lic", "--key", "keys/issuer.key"], dir);
    const other = await vendor(["activate", "--license", "new.lic", "--uuid", UUID, "--out", "act.lic", "--demo"], dir);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain("not by the key you sign with now");

    const text = readFileSync(join(dir, "new.lic"), "utf8");
    const lines = text.split("\n");
    lines[3] = lines[3]!.slice(0, 20) + (lines[3]![20] === "A" ? "B" : "A") + lines[3]!.slice(21);
    writeFileSync(join(dir, "tampered.lic"), lines.join("\n"));
    const tampered = await vendor(["activate", "--license", "tampered.lic", "--uuid", UUID, "--out", "act.lic", "--key", "keys/issuer.key"], dir);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain("--license tampered.lic");
    expect(existsSync(join(dir, "act.lic"))).toBe(false);
  });

  test("a malformed UUID is a usage error naming --uuid", async () => {
    const dir = workspace();
    await vendor(["issue", "--spec", "spec.json", "--out", "new.lic", "--demo"], dir);
    for (const uuid of ["0F1E2D3C4B5A69788796A5B4C3D2E1F0", "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1FG", "server-1", ""]) {
      const { code, stderr } = await vendor(["activate", "--license", "new.lic", "--uuid", uuid, "--out", "act.lic", "--demo"], dir);
      expect(code).toBe(2);
      expect(stderr).toContain(`--uuid ${JSON.stringify(uuid)} is not a server UUID: it must be 8-4-4-4-12 hexadecimal digits`);
    }
    const three = await vendor(["activate", "--license", "new.lic", "--uuid", UUID, "--uuid", STANDBY, "--uuid", UUID, "--out", "act.lic", "--demo"], dir);
    expect(three.code).toBe(2);
    expect(three.stderr).toContain("--uuid is given 3 times");
  });
});

describe("lts-vendor inspect", () => {
  test("prints the payload and 'signature: valid'", async () => {
    const dir = workspace();
    await vendor(["issue", "--spec", "spec.json", "--out", "new.lic", "--demo"], dir);
    const { code, stdout } = await vendor(["inspect", "new.lic"], dir);
    expect(code).toBe(0);
    expect(stdout).toContain(`issuer key: ${DEMO_ISSUER.kid} (the demo issuer)`);
    expect(stdout).toContain('"status": "new"');
    expect(stdout).toContain('"organizationId": "100200"');
    expect(stdout.trimEnd().split("\n").at(-1)).toBe("signature: valid");
  });

  test("a tampered file: exit 1 and 'signature: INVALID (why)'", async () => {
    const dir = workspace();
    await vendor(["issue", "--spec", "spec.json", "--out", "new.lic", "--demo"], dir);
    const envelope = JSON.parse(Buffer.from(readFileSync(join(dir, "new.lic"), "utf8").split("\n").slice(1, -2).join(""), "base64").toString());
    const payload = JSON.parse(Buffer.from(envelope.payload, "base64url").toString());
    payload.items[0].quantity = 1_000_000_000;
    const forged = JSON.stringify({ ...envelope, payload: Buffer.from(JSON.stringify(payload)).toString("base64url") });
    const body = Buffer.from(forged).toString("base64").match(/.{1,64}/g)!;
    writeFileSync(join(dir, "forged.lic"), ["-----BEGIN LTS LICENSE FILE-----", ...body, "-----END LTS LICENSE FILE-----", ""].join("\n"));

    const { code, stdout } = await vendor(["inspect", "forged.lic"], dir);
    expect(code).toBe(1);
    expect(stdout).toContain("payload (NOT verified");
    expect(stdout).toContain('"quantity": 1000000000');
    expect(stdout).toContain("signature: INVALID (the content was changed after it was signed");
  });

  test("a file that is not a license file: exit 1, INVALID with the reason", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "notes.txt"), "hello\n");
    const { code, stdout } = await vendor(["inspect", "notes.txt"], dir);
    expect(code).toBe(1);
    expect(stdout).toContain("signature: INVALID (This is not an LTS license file");
  });

  test("trusts the demo issuer and the --pub keys only", async () => {
    const dir = workspace();
    await vendor(["keygen", "--out-dir", "keys"], dir);
    await vendor(["issue", "--spec", "spec.json", "--out", "new.lic", "--key", "keys/issuer.key"], dir);
    const without = await vendor(["inspect", "new.lic"], dir);
    expect(without.code).toBe(1);
    expect(without.stdout).toContain("signature: INVALID (signed by issuer key");
    expect(without.stdout).toContain("add --pub");
    const withPub = await vendor(["inspect", "new.lic", "--pub", "keys/issuer.pub"], dir);
    expect(withPub.code).toBe(0);
    expect(withPub.stdout).toContain("signature: valid");
  });
});

describe("lts-vendor revoke", () => {
  test("writes a signed revocation of the items, bound to the UUIDs, with a fresh id", async () => {
    const dir = tempDir();
    const args = ["revoke", "--item", "1000001", "--item", "1000002", "--organization", "100200", "--uuid", UUID, "--demo"];
    const { code, stdout } = await vendor([...args, "--out", "rev1.lic"], dir);
    expect(code).toBe(0);
    await vendor([...args, "--out", "rev2.lic"], dir);
    const first = open(dir, "rev1.lic").payload;
    expect(first).toMatchObject({ status: "revocation", organizationId: "100200", boundUuids: [UUID], items: [], revokes: ["1000001", "1000002"] });
    expect(first.licenseId).toMatch(/^[0-9]{16}$/);
    expect(open(dir, "rev2.lic").payload.licenseId).not.toBe(first.licenseId);
    expect(stdout).toContain("Revocation");
    expect(stdout).toContain("revokes item(s) 1000001, 1000002");
  });

  test("names a bad --item or --organization", async () => {
    const dir = tempDir();
    const bad = await vendor(["revoke", "--item", "A1", "--organization", "100200", "--uuid", UUID, "--out", "r.lic", "--demo"], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--item "A1" is not an item id');
    const org = await vendor(["revoke", "--item", "1", "--organization", "100-200", "--uuid", UUID, "--out", "r.lic", "--demo"], dir);
    expect(org.code).toBe(2);
    expect(org.stderr).toContain('--organization "100-200" is not an organization id');
  });
});

describe("lts-vendor usage errors exit 2", () => {
  const cases: [string, string[], string][] = [
    ["an unknown command", ["frobnicate"], "Unknown command 'frobnicate'. Run 'lts-vendor --help'"],
    ["an unknown option", ["issue", "--spec", "s.json", "--out", "x", "--demo", "--force"], "Unknown option --force for 'lts-vendor issue'"],
    ["a missing flag", ["issue", "--spec", "s.json", "--demo"], "'lts-vendor issue' needs --out FILE."],
    ["a flag without its value", ["keygen", "--out-dir"], "--out-dir needs a value: --out-dir DIR"],
    ["no signing key", ["issue", "--spec", "s.json", "--out", "x"], "add --key DIR/issuer.key"],
    ["--key and --demo both", ["issue", "--spec", "s.json", "--out", "x", "--key", "k", "--demo"], "Give either --key DIR/issuer.key or --demo, not both."],
    ["a flag given twice", ["issue", "--spec", "a.json", "--spec", "b.json", "--out", "x", "--demo"], "--spec is given twice"],
    ["no --uuid", ["activate", "--license", "a.lic", "--out", "b.lic", "--demo"], "needs --uuid UUID"],
    ["inspect without a file", ["inspect"], "'lts-vendor inspect' takes one license file."],
    ["a stray argument", ["keygen", "--out-dir", "k", "extra"], "Unexpected argument 'extra'"],
  ];
  for (const [what, args, message] of cases) {
    test(what, async () => {
      const { code, stderr } = await vendor(args, tempDir());
      expect(code).toBe(2);
      expect(stderr).toContain(message);
    });
  }
});
