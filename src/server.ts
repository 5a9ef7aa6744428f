import { mkdirSync } from "node:fs";
import type { Server } from "bun";
import { createApp } from "./app";
import type { Config } from "./config";
import { Checkpointer } from "./db/checkpointer";
import { closeDatabase } from "./db/client";
import { dataDirAt, DIR_MODE, openDataDir, recordCleanStop } from "./db/data-dir";
import { buildDeps, systemContext, type Deps } from "./deps";
import { alertsJob, backupJob, clockWatchJob, housekeepingJob, machineWatchJob, outboxJob, rollupRetentionJob, Scheduler } from "./jobs";
import { composeAlertEmail } from "../templates/emails/alert-email";
import { systemClock, systemTimers } from "./lib/clock";
import { createLogger, fileSink, LogSampler, stdoutSink, type Logger } from "./lib/logger";
import { COMMIT, VERSION } from "./lib/version";
import { isPasswordSet } from "./services/admin";
import { markServerRunning } from "./services/backups/server-pid";
import { TrustedClock } from "./services/clock";

/** The largest body Bun accepts at all; routes set tighter limits of their own. */
const MAX_REQUEST_BODY = 2 * 1024 * 1024;
const MACHINE_READ_DELAY_MS = 200;
/**
 * Slow clients (measured on Bun 1.4, README "Slow clients"): Bun closes a connection whose request
 * headers are not complete within 10 s, whatever idleTimeout says. idleTimeout then bounds the
 * rest, counted from the headers: a body trickled byte by byte, a request waiting for its answer,
 * and an idle keep-alive connection. Portal requests may take longer (a test e-mail through a slow
 * SMTP server), so they keep 30 s ("Back up now" lifts its own once the admin is known); client API
 * requests are small and answered in milliseconds, so a slow API body (slow POST) is cut after 10 s.
 */
const IDLE_TIMEOUT_S = 30;
const API_REQUEST_TIMEOUT_S = 10;
/**
 * At a stop, the server keeps answering until no request has started for DRAIN_QUIET_MS (at most
 * DRAIN_MAX_MS), then stops: Bun's graceful stop closes idle keep-alive connections at once, and
 * a request a client had already written on one would get a reset instead of an answer.
 */
const DRAIN_QUIET_MS = 100;
const DRAIN_MAX_MS = 2_000;

export interface RunningServer {
  server: Server<undefined>;
  deps: Deps;
  url: string;
  stop(): Promise<void>;
}

/**
 * Opens the data dir (refusing a missing or foreign database), migrates, serves the portal and
 * the API, prints the setup token while no management password exists, and runs the jobs.
 */
export async function startServer(config: Config, options: { out?: (line: string) => void } = {}): Promise<RunningServer> {
  const out = options.out ?? ((line: string) => process.stdout.write(line + "\n"));
  const dir = dataDirAt(config.dataDir);
  mkdirSync(dir.logs, { recursive: true, mode: DIR_MODE });
  const logFile = fileSink(dir.logFile, { maxBytes: config.logMaxSize * 1024 * 1024, keep: config.logKeep });
  const logger = createLogger([(line) => out(line), logFile], config.logLevel, { sampling: new LogSampler() });
  const db = openDataDir(config.dataDir, { cacheMib: config.dbCacheMib });
  const checkpointer = Checkpointer.start(db, logger);
  // `lts restore` refuses while this file names a live process.
  const running = markServerRunning(dir);

  let app: ReturnType<typeof createApp> | undefined;
  let lastRequestAt = 0;
  const apiPrefix = `${config.basePath}/api/`;
  const server = Bun.serve({
    port: config.port,
    hostname: config.host,
    development: false,
    maxRequestBodySize: MAX_REQUEST_BODY,
    idleTimeout: IDLE_TIMEOUT_S,
    tls: config.tlsCert && config.tlsKey ? { cert: Bun.file(config.tlsCert), key: Bun.file(config.tlsKey) } : undefined,
    fetch: (request, srv) => {
      lastRequestAt = performance.now();
      if (isApiRequest(request.url, apiPrefix)) srv.timeout(request, API_REQUEST_TIMEOUT_S);
      return app!.fetch(request, srv);
    },
  });
  const scheme = config.tlsCert ? "https" : "http";
  const listening = `${scheme}://${config.host}:${server.port}${config.basePath}/`;
  const scheduler = new Scheduler(systemTimers, logger);
  // The server's clock refuses to go backwards (src/domain/clock-rollback.ts): read it and store
  // the latest time seen at start, every minute (clock-watch) and at stop.
  const trustedClock = TrustedClock.load(db, systemClock, logger);
  // buildDeps loads the instance key and refuses an unreadable one: before anything is written.
  const deps = buildDeps(config, db, logger, listening, { jobs: scheduler, clock: trustedClock, trustedClock });
  persistLatestSeen(trustedClock, db, logger, "start");
  app = createApp(deps);

  logger.info(`LTS ${VERSION} listening on ${listening}`, { commit: COMMIT, dataDir: config.dataDir, portal: `${scheme}://localhost:${server.port}${config.basePath}/index` });
  if (!isPasswordSet(db)) announceSetupToken(deps, out, createLogger([logFile], "info"));

  const system = systemContext(deps);
  for (const job of [housekeepingJob(deps), machineWatchJob(deps), alertsJob(system, { intervalMs: config.alertInterval * 60_000, compose: composeAlertEmail }), outboxJob(system), backupJob(deps), clockWatchJob({ db, trustedClock })]) scheduler.add(job);
  scheduler.add(rollupRetentionJob({ ...deps, retention: { slotDays: config.usageSlotDays, hourlyDays: config.usageHourlyDays } }));
  // The hardware labels are read by a child process (systeminformation forks dozens of processes,
  // ~0.1–0.3 s of CPU), started a moment after listening so that it does not compete with the
  // first requests for the cores; until it is done /healthz says "starting up".
  const machineRead = setTimeout(() => deps.machine.refresh().catch((error) => logger.error("reading the machine identity failed", { error })), MACHINE_READ_DELAY_MS);

  const stop = async () => {
    clearTimeout(machineRead);
    // A job still running gets to finish before the database closes under it.
    await scheduler.stop();
    const drainStarted = performance.now();
    while (performance.now() - lastRequestAt < DRAIN_QUIET_MS && performance.now() - drainStarted < DRAIN_MAX_MS) await Bun.sleep(10);
    await server.stop();
    persistLatestSeen(trustedClock, db, logger, "stop");
    await checkpointer.stop();
    closeDatabase(db);
    recordStop(dir, logger);
    running.release();
    logger.close();
    logFile.flush();
  };
  return { server, deps, url: `${scheme}://127.0.0.1:${server.port}${config.basePath}`, stop };
}

/** A full disk or broken storage must not stop the server from starting or stopping: log it. */
function persistLatestSeen(clock: TrustedClock, db: Parameters<TrustedClock["persist"]>[0], logger: Logger, when: "start" | "stop") {
  try {
    clock.persist(db);
  } catch (error) {
    logger.warn(`could not store the latest time seen at ${when}`, { error });
  }
}

/** Lets the next start skip the integrity check of a database nothing has touched since (data-dir.ts). */
function recordStop(dir: Parameters<typeof recordCleanStop>[0], logger: Logger) {
  try {
    recordCleanStop(dir);
  } catch (error) {
    logger.warn("could not record the clean stop: the next start checks the whole database", { error });
  }
}

/** Whether a request URL's path starts with `prefix`; cheap (no URL parsing) for the hot path. */
export function isApiRequest(url: string, prefix: string): boolean {
  const path = url.indexOf("/", url.indexOf("//") + 2);
  return path >= 0 && url.startsWith(prefix, path);
}

/** First run: the token goes to the console, the log file, and <data-dir>/setup-token (PROTOCOL.md). */
function announceSetupToken(deps: Deps, out: (line: string) => void, fileLog: Logger) {
  const token = deps.setupToken.issue();
  out(`Setup token: ${token}`);
  fileLog.info(`Setup token: ${token}`);
  deps.logger.info("no management password yet: open the portal and set one with the setup token", { tokenFile: deps.setupToken.path });
}
