import type { Config } from "./config";
import type { Db } from "./db/client";
import { LoginThrottle } from "./domain/login-throttle";
import { HOUR_MS } from "./domain/slots";
import { parseTrustedProxies, type TrustedProxies } from "./domain/trusted-proxies";
import { loadStaticAssets, type StaticAssets } from "./lib/static-assets";
import { systemClock, type Clock } from "./lib/clock";
import type { Logger } from "./lib/logger";
import { argon2Hasher, type PasswordHasher } from "./lib/password-hasher";
import { SetupToken } from "./services/admin";
import type { SessionPolicy } from "./services/sessions";
import { randomToken } from "./lib/ids";
import { MachineIdentity, readHardwareLabelsInChild } from "./services/machine-identity";
import type { IssuerPublicKey } from "./domain/issuer-key";
import { trustedIssuers } from "./trusted-issuers";
import { loadOrCreateInstanceKey, type InstanceKey } from "./services/instance-key";
import { UsageStore } from "./services/usage/usage-store";
import { GroupCommit } from "./db/group-commit";
import { dataDirAt } from "./db/data-dir";
import { FailureLimiter } from "./domain/request-limiter";
import { firstNonLoopbackIPv4, type HostAddressLookup } from "./lib/host-address";
import { SmtpMailer } from "./mail/smtp-mailer";
import type { MailerFactory, ServiceContext } from "./services/context";
import type { JobStats } from "./jobs/scheduler";
import type { TrustedClock } from "./services/clock";

/** Settings the HTTP layer needs, taken from the config once. */
export interface PortalSettings {
  basePath: string;
  /** The reverse proxies whose X-Forwarded-* headers count (--trust-proxy); none by default. */
  trustProxy: TrustedProxies;
  tls: boolean;
  sessionPolicy: SessionPolicy;
  dataDir: string;
  /** What the Home page shows as the listening address. */
  listening: string;
  /** The port the server listens on (the real one when --port 0 picked it), for the default server URL. */
  port: number;
  /** Client API requests a second per source address (bursts of 5×); 0 is no limit. */
  apiRateLimit: number;
  /** GET /metrics needs this bearer token (--metrics-token); when null it answers loopback peers only. */
  metricsToken: string | null;
  /** Days slot-level usage is kept (--usage-slot-days): the statistics say how far back a day's devices go. */
  usageSlotDays: number;
}

/** Everything the app is built from: the one place services and adapters are wired. */
export interface Deps {
  db: Db;
  clock: Clock;
  logger: Logger;
  hasher: PasswordHasher;
  throttle: LoginThrottle;
  setupToken: SetupToken;
  settings: PortalSettings;
  assets: StaticAssets;
  startedAt: Date;
  /** CSRF token for forms shown before login; new at every start. */
  anonymousCsrfToken: string;
  /** The hardware binding (machine UUID): status in memory, refreshed in the background. */
  machine: MachineIdentity;
  /** The issuer keys compiled into this build: the only signers of license files it accepts. */
  trustedIssuers: IssuerPublicKey[];
  /** This server's own key: signs API responses, pinned in license keys, seals session passwords. */
  instanceKey: InstanceKey;
  /** Batches the client API's writes into shared commits, each acknowledged after its commit. */
  groupCommit: GroupCommit;
  /** The client API's prepared statements. */
  usageStore: UsageStore;
  /** Wrong session passwords per source address (code 3 past 10 a minute). */
  passwordLimiter: FailureLimiter;
  /** This host's address as other machines see it: the default main server URL in license keys. */
  hostAddress: HostAddressLookup;
  /** Makes the mailer for the Email Config's SMTP settings; tests inject a fake or a test server's. */
  mailerFor: MailerFactory;
  /** The recurring jobs' counts, for GET /metrics (the Scheduler in the server). */
  jobs: { stats(): JobStats[] };
  /**
   * The clock-rollback watch, which is also `clock` (the server sets both): /healthz and Home show
   * its status. Absent where a test drives a plain ManualClock.
   */
  trustedClock?: TrustedClock;
}

export function portalSettings(config: Config, listening: string): PortalSettings {
  return {
    basePath: config.basePath,
    trustProxy: parseTrustedProxies(config.trustProxy),
    tls: !!config.tlsCert,
    sessionPolicy: { idleMs: config.sessionIdleMinutes * 60_000, absoluteMs: config.sessionMaxHours * HOUR_MS },
    dataDir: config.dataDir,
    listening,
    port: Number(/:(\d+)\/?[^:]*$/.exec(listening)?.[1] ?? config.port),
    apiRateLimit: config.apiRateLimit,
    metricsToken: config.metricsToken ?? null,
    usageSlotDays: config.usageSlotDays,
  };
}

export function buildDeps(config: Config, db: Db, logger: Logger, listening: string, overrides: Partial<Deps> = {}): Deps {
  const clock = overrides.clock ?? systemClock;
  return {
    db,
    clock,
    logger,
    hasher: argon2Hasher(dataDirAt(config.dataDir).tmp),
    throttle: new LoginThrottle(),
    setupToken: new SetupToken(config.dataDir),
    settings: portalSettings(config, listening),
    assets: loadStaticAssets(),
    startedAt: clock.now(),
    anonymousCsrfToken: randomToken(),
    machine: new MachineIdentity(db, readHardwareLabelsInChild, logger),
    trustedIssuers: trustedIssuers(),
    instanceKey: loadOrCreateInstanceKey(config.dataDir, db),
    usageStore: new UsageStore(db),
    groupCommit: new GroupCommit(db),
    passwordLimiter: new FailureLimiter(),
    hostAddress: firstNonLoopbackIPv4,
    mailerFor: smtpMailerFactory,
    jobs: { stats: () => [] },
    ...overrides,
  };
}

export const smtpMailerFactory: MailerFactory = (settings) => new SmtpMailer(settings);

/** The ServiceContext of the server's own background work (jobs): acting as "system". */
export function systemContext(deps: Deps): Omit<ServiceContext, "hasher" | "throttle" | "trustedIssuers" | "machine"> {
  return {
    db: deps.db,
    clock: deps.clock,
    logger: deps.logger,
    actor: { kind: "system", ip: null },
    instanceKey: deps.instanceKey,
    origin: { tls: deps.settings.tls, port: deps.settings.port, basePath: deps.settings.basePath, hostAddress: deps.hostAddress },
    mailerFor: deps.mailerFor,
  };
}
