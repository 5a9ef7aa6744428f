// F1: kill -9 at seeded random moments under mixed load; clients resend what was not acknowledged.
// Shared by test/system/crash.test.ts (quick: 5 rounds) and scripts/harness-crash.ts (20+ rounds).
import { checkDatabase, Load, LtsProcess, prepareInstance, seededRandom, type DatabaseCheck, type LoadStats } from "./harness";

export interface CrashOptions {
  rounds: number;
  seed: number;
  rawDevices?: number;
  libraryDevices?: number;
  /** Load between two kills, at random in [min, max] ms. */
  intervalMs?: [number, number];
  log?: (line: string) => void;
}

export interface CrashResult {
  seed: number;
  rounds: number;
  /** Milliseconds from the restart's spawn to /healthz 200, per round. */
  readyMs: number[];
  maxReadyMs: number;
  /** Reports still unacknowledged after the drain (must be 0). */
  unacknowledged: number;
  /** Scans the client-library devices counted, and those in reports the server acknowledged: equal. */
  libraryCounted: number;
  libraryAcked: number;
  /** Exit code of the final SIGTERM (must be 0). */
  exitCode: number;
  stats: LoadStats;
  check: DatabaseCheck;
}

export async function runCrashScenario(options: CrashOptions): Promise<CrashResult> {
  const log = options.log ?? (() => undefined);
  const random = seededRandom(options.seed);
  const [minMs, maxMs] = options.intervalMs ?? [300, 1500];
  const instance = await prepareInstance();
  let lts = await LtsProcess.start(instance);
  const load = new Load(instance, { rawDevices: options.rawDevices ?? 24, libraryDevices: options.libraryDevices ?? 4, seed: options.seed });
  const readyMs: number[] = [];
  try {
    await load.start();
    for (let round = 1; round <= options.rounds; round++) {
      await Bun.sleep(random.int(minMs, maxMs));
      await lts.kill9();
      lts = await LtsProcess.start(instance);
      readyMs.push(Math.round(lts.readyMs));
      log(`round ${round}/${options.rounds}: killed -9 and restarted, ready in ${Math.round(lts.readyMs)} ms; ${load.acked.size} reports acknowledged so far`);
    }
    await Bun.sleep(random.int(minMs, maxMs));
    await load.stop();
    const unacknowledged = await load.drain();
    await load.close();
    const exitCode = await lts.terminate();
    const check = checkDatabase(instance.dataDir, load);
    return { seed: options.seed, rounds: options.rounds, readyMs, maxReadyMs: Math.max(0, ...readyMs), unacknowledged, libraryCounted: load.libraryCounted, libraryAcked: sumOf(load.acked, "lib-"), exitCode, stats: load.stats, check };
  } finally {
    await load.stop(1000);
    await load.close();
    if (lts.child.exitCode === null) await lts.kill9();
    instance.dispose();
  }
}

function sumOf(acked: Map<string, number>, prefix: string): number {
  let sum = 0;
  for (const [key, n] of acked) if (key.startsWith(prefix)) sum += n;
  return sum;
}
