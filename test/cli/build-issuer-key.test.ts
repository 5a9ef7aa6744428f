import { beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { compileCommand } from "../../scripts/build";
import { readIssuerKeyFiles, trustedIssuersDefine } from "../../scripts/issuer-keys";
import { DEMO_ISSUER } from "../../src/domain/demo-issuer";
import { generateIssuerKeyPair, issuerSignerFromPem, type IssuerPublicKey, type IssuerSigner } from "../../src/domain/issuer-key";
import type { LicensePayload } from "../../src/domain/license";
import { encodeLicenseFile } from "../../src/domain/license-file";
import { trustedIssuers } from "../../src/trusted-issuers";
import { DEMO_ISSUER_PRIVATE_KEY_PEM } from "../../src/issuer/demo-issuer-key";
import { tempDir } from "../helpers/temp";

/**
 * DESIGN.md, "Trust root": lts trusts the issuer keys compiled into it and nothing else. A build
 * with --issuer-key trusts exactly those keys (not the demo issuer); a default build trusts only
 * the demo issuer; nothing at runtime adds a key. `lts import` is not there yet, so a probe
 * compiled with build.ts's own command line and --define stands in for it.
 */
const ROOT = resolve(import.meta.dir, "../..");
const PROBE = resolve(import.meta.dir, "../fixtures/print-trusted-issuers.ts");

interface ProbeOutput {
  trusted: IssuerPublicKey[];
  files: { file: string; accepted?: string; refused?: string }[];
}

const dir = tempDir("lts-build-");
const pair1 = generateIssuerKeyPair();
const pair2 = generateIssuerKeyPair();
const vendorKey1 = issuerSignerFromPem(pair1.privateKeyPem);
const demo = issuerSignerFromPem(DEMO_ISSUER_PRIVATE_KEY_PEM, true);
const files = { demo: join(dir, "demo.lic"), vendor: join(dir, "vendor.lic") };
const probes = { default: join(dir, "probe-default"), keyed: join(dir, "probe-keyed") };

function license(signer: IssuerSigner): string {
  const payload: LicensePayload = {
    licenseId: "2001",
    alias: "Acme",
    organizationId: "100200",
    licensee: "Acme Corp",
    status: "activated",
    boundUuids: ["0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0"],
    issuedAt: "2026-01-01T00:00:00.000Z",
    activatedAt: "2026-01-01T00:00:00.000Z",
    items: [{ itemId: "1", description: "", product: "dbr", version: 10, edition: "js", deploymentTypes: ["browser"], chargeWay: "scan", quantity: 10, startsAt: "2026-01-01T00:00:00.000Z", expiresAt: "2099-01-01T00:00:00.000Z", modules: [] }],
  };
  return encodeLicenseFile(payload, signer);
}

async function compile(outfile: string, defines: string[]) {
  const proc = Bun.spawn(compileCommand({ entry: PROBE, outfile, bytecode: true, defines, assets: [] }), { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`compiling the probe failed:\n${stderr}`);
}

async function run(probe: string, env: Record<string, string> = {}): Promise<ProbeOutput> {
  const proc = Bun.spawn([probe, files.demo, files.vendor], { cwd: dir, stdout: "pipe", stderr: "pipe", env: { PATH: process.env.PATH ?? "", ...env } });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`the probe failed (${code}):\n${stderr}`);
  return JSON.parse(stdout) as ProbeOutput;
}

beforeAll(async () => {
  writeFileSync(join(dir, "k1.pub"), pair1.publicKeyPem);
  writeFileSync(join(dir, "k2.pub"), pair2.publicKeyPem);
  writeFileSync(files.demo, license(demo));
  writeFileSync(files.vendor, license(vendorKey1));
  const keys = readIssuerKeyFiles([join(dir, "k1.pub"), join(dir, "k2.pub"), join(dir, "k1.pub")]);
  await Promise.all([compile(probes.default, trustedIssuersDefine([])), compile(probes.keyed, trustedIssuersDefine(keys))]);
}, 120_000);

describe("the trust root of a build", () => {
  test("a build with --issuer-key trusts exactly those keys, and refuses a demo-signed file", async () => {
    const out = await run(probes.keyed);
    expect(out.trusted).toEqual([
      { kid: pair1.kid, publicKey: vendorKey1.publicKey.publicKey, demo: false },
      { kid: pair2.kid, publicKey: expect.any(String), demo: false },
    ]);
    expect(out.trusted.map((k) => k.kid)).not.toContain(DEMO_ISSUER.kid);
    expect(out.files).toEqual([
      { file: files.demo, refused: "unknown-key" },
      { file: files.vendor, accepted: pair1.kid },
    ]);
  });

  test("a default build trusts only the demo issuer", async () => {
    const out = await run(probes.default);
    expect(out.trusted).toEqual([DEMO_ISSUER]);
    expect(out.files).toEqual([
      { file: files.demo, accepted: DEMO_ISSUER.kid },
      { file: files.vendor, refused: "unknown-key" },
    ]);
  });

  test("nothing at runtime adds a key: an LTS_TRUSTED_ISSUERS variable changes nothing", async () => {
    const injected = JSON.stringify([{ kid: pair1.kid, publicKey: vendorKey1.publicKey.publicKey }]);
    expect((await run(probes.default, { LTS_TRUSTED_ISSUERS: injected })).trusted).toEqual([DEMO_ISSUER]);
    expect((await run(probes.keyed, { LTS_TRUSTED_ISSUERS: JSON.stringify([DEMO_ISSUER]) })).trusted.map((k) => k.kid)).toEqual([pair1.kid, pair2.kid]);
  });

  test("from source (and in tests), the demo issuer is trusted", () => {
    expect(trustedIssuers()).toEqual([DEMO_ISSUER]);
  });
});

describe("scripts/issuer-keys.ts", () => {
  test("no keys, no --define: the build keeps the demo issuer", () => {
    expect(trustedIssuersDefine([])).toEqual([]);
  });

  test("the define carries kid and raw public key, as a JSON string", () => {
    const [define] = trustedIssuersDefine(readIssuerKeyFiles([join(dir, "k1.pub")]));
    expect(define).toStartWith("--define=LTS_TRUSTED_ISSUERS:");
    const value = JSON.parse(JSON.parse(define!.slice("--define=LTS_TRUSTED_ISSUERS:".length)));
    expect(value).toEqual([{ kid: pair1.kid, publicKey: vendorKey1.publicKey.publicKey }]);
  });

  test("a missing or wrong key file is named", () => {
    expect(() => readIssuerKeyFiles([join(dir, "nope.pub")])).toThrow(`--issuer-key ${join(dir, "nope.pub")}: cannot read it (ENOENT)`);
    writeFileSync(join(dir, "private.pem"), pair1.privateKeyPem);
    expect(() => readIssuerKeyFiles([join(dir, "private.pem")])).toThrow(/private\.pem is a private key: give the public key, issuer.pub/);
  });

  test("build.ts compiles with the flags the binaries need", () => {
    const command = compileCommand({ entry: "src/issuer/main.ts", outfile: "dist/lts-vendor", bytecode: true, defines: ["--define=X:1"], assets: [] });
    expect(command.slice(1)).toEqual([
      "build", "--compile", "--minify", "--sourcemap", "--bytecode", "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig", "--define=X:1", "src/issuer/main.ts", "--outfile", "dist/lts-vendor",
    ]);
  });
});
