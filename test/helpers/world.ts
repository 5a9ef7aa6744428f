import { createApp } from "../../src/app";
import { openMemoryDatabase } from "../../src/db/client";
import { openDataDir } from "../../src/db/data-dir";
import { portalSettings, type Deps } from "../../src/deps";
import { loadConfig } from "../../src/config";
import { LoginThrottle } from "../../src/domain/login-throttle";
import { loadStaticAssets } from "../../src/lib/static-assets";
import { ManualClock } from "../../src/lib/clock";
import { memoryLogger } from "../../src/lib/logger";
import type { PasswordHasher } from "../../src/lib/password-hasher";
import { SetupToken } from "../../src/services/admin";
import { MachineIdentity, type LabelReader } from "../../src/services/machine-identity";
import { FakeLabelReader } from "./fake-labels";
import type { IssuerPublicKey } from "../../src/domain/issuer-key";
import { trustedIssuers } from "../../src/trusted-issuers";
import { generateInstanceKeyPem, instanceKeyFromPem } from "../../src/services/instance-key";
import { UsageStore } from "../../src/services/usage/usage-store";
import { GroupCommit } from "../../src/db/group-commit";
import { FailureLimiter } from "../../src/domain/request-limiter";
import { tempDir } from "./temp";
import { FakeMailer } from "../fakes/fake-mailer";
import type { MailerFactory } from "../../src/services/context";
import { TrustedClock } from "../../src/services/clock";

/** One instance key for every test world (generating one per world would only cost time). */
export const TEST_INSTANCE_KEY = instanceKeyFromPem(generateInstanceKeyPem());

/** The address the world's host has on its network: the default main server URL is built from it. */
export const TEST_HOST_ADDRESS = "192.0.2.44";

/** A hasher that is fast and countable ("fake$" + password); real argon2 has its own test. */
export class FakeHasher implements PasswordHasher {
  hashes = 0;
  verifies = 0;
  constructor(private readonly delayMs = 0) {}
  async hash(password: string) {
    this.hashes++;
    await Bun.sleep(this.delayMs);
    return `fake$${password}`;
  }
  async verify(hash: string, password: string) {
    this.verifies++;
    await Bun.sleep(this.delayMs);
    return hash === `fake$${password}`;
  }
}

export type World = ReturnType<typeof createWorld>;

/**
 * A fresh LTS in memory: in-memory database (`onDisk`: the data dir's) with every migration, a
 * manual clock, a fake hasher, a logger that keeps its lines, a data dir in a temp folder (for the
 * setup-token file), and a fake hardware-label reader (default: a machine-id and a MAC; `labels`
 * swaps it). As at a real start, the machine status is computed in the background:
 * `await w.deps.machine.settled()` to wait. `trustedClock: true` puts the server's rollback-proof
 * clock (a TrustedClock) around the manual one.
 */
export function createWorld(
  options: { flags?: Record<string, string>; hasher?: PasswordHasher; labels?: FakeLabelReader | LabelReader; trusted?: IssuerPublicKey[]; mailerFor?: MailerFactory; trustedClock?: boolean; onDisk?: boolean } = {},
) {
  const dataDir = tempDir("lts-test-");
  const config = loadConfig({ env: {}, flags: { dataDir, ...options.flags } });
  const clock = new ManualClock();
  const logger = memoryLogger();
  const hasher = options.hasher ?? new FakeHasher();
  // On disk (the data dir's database, as `lts serve` opens it) where another connection must see
  // it: a backup's thread.
  const db = options.onDisk ? openDataDir(dataDir) : openMemoryDatabase();
  const labels = options.labels ?? new FakeLabelReader();
  // Mail goes to a FakeMailer unless the test brings a factory (e.g. a real SMTP server's).
  const mailer = new FakeMailer();
  const trustedClock = options.trustedClock ? new TrustedClock(clock, logger) : undefined;
  const deps: Deps = {
    db,
    clock: trustedClock ?? clock,
    trustedClock,
    logger,
    hasher,
    throttle: new LoginThrottle(),
    setupToken: new SetupToken(dataDir),
    settings: portalSettings(config, "http://127.0.0.1:48080/"),
    assets: loadStaticAssets(),
    startedAt: clock.now(),
    anonymousCsrfToken: "anonymous-csrf-token-for-tests",
    machine: new MachineIdentity(db, labels instanceof FakeLabelReader ? labels.read : labels, logger),
    trustedIssuers: options.trusted ?? trustedIssuers(),
    instanceKey: TEST_INSTANCE_KEY,
    usageStore: new UsageStore(db),
    groupCommit: new GroupCommit(db),
    passwordLimiter: new FailureLimiter(),
    hostAddress: () => TEST_HOST_ADDRESS,
    mailerFor: options.mailerFor ?? (() => mailer),
    jobs: { stats: () => [] },
  };
  const app = createApp(deps);
  void deps.machine.refresh().catch(() => {});
  const setupToken = deps.setupToken.issue();
  return { dataDir, config, clock, logger, hasher, db, deps, app, setupToken, labels, mailer };
}
