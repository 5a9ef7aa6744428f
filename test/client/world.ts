import { LtsClient, MemoryStorage, type LtsClientEvent, type LtsClientOptions, type LtsTimers } from "../../src/client";
import { FakeServer, licenseKeyString, makeServerKey, type FakeServerOptions, type ServerKey } from "./fake-server";

/** A clock that stands still until the test moves it. */
export class TestClock {
  constructor(public ms = Date.parse("2026-11-28T12:00:00.000Z")) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
  set(iso: string): void {
    this.ms = Date.parse(iso);
  }
}

interface PendingTimer {
  at: number;
  seq: number;
  callback: () => unknown;
}

/**
 * Timers that fire only when the test moves them, on the world's clock: `advance(ms)` moves the
 * clock, fires every timer that falls due on the way, in order, and waits for the work each one
 * starts (a report, a renewal). Nothing in a test waits for real time to pass.
 */
export class ManualTimers implements LtsTimers {
  readonly #pending = new Set<PendingTimer>();
  #seq = 0;
  #onSet: (() => void)[] = [];

  constructor(private readonly clock: TestClock) {}

  setTimeout(callback: () => unknown, ms: number): unknown {
    const timer: PendingTimer = { at: this.clock.ms + ms, seq: this.#seq++, callback };
    this.#pending.add(timer);
    for (const resolve of this.#onSet.splice(0)) resolve();
    return timer;
  }

  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as PendingTimer);
  }

  /** How many timers are waiting. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Resolves at the next setTimeout (e.g. once a request is on its way and its timeout set). */
  nextSet(): Promise<void> {
    return new Promise((resolve) => this.#onSet.push(resolve));
  }

  async advance(ms: number): Promise<void> {
    const end = this.clock.ms + ms;
    for (;;) {
      const due = [...this.#pending].filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.#pending.delete(due);
      this.clock.ms = Math.max(this.clock.ms, due.at);
      await due.callback();
    }
    this.clock.ms = Math.max(this.clock.ms, end);
  }
}

const open: { stop(): void }[] = [];
const clients: LtsClient[] = [];

/** Stops every fake server and closes every client a test made (call in afterEach). */
export async function tearDown(): Promise<void> {
  for (const server of open.splice(0)) server.stop();
  await Promise.all(clients.splice(0).map((c) => c.close()));
}

export interface World {
  key: ServerKey;
  clock: TestClock;
  /** The clients' timers (reports, storage writes, request timeouts), on `clock`. */
  timers: ManualTimers;
  main: FakeServer;
  standby: FakeServer | null;
  licenseKey: string;
  storage: MemoryStorage;
  events: LtsClientEvent[];
  /** A client for this world; options override the defaults (scan, no timer, the world's timers). */
  client(options?: Partial<LtsClientOptions>): LtsClient;
}

let shared: ServerKey | null = null;

/** Fake main (and standby) servers sharing one signing key, a license key pinning it, a test clock. */
export async function makeWorld(options: { standby?: boolean; mainUrl?: string; sp?: string; server?: Partial<FakeServerOptions> } = {}): Promise<World> {
  const key = (shared ??= await makeServerKey());
  const clock = new TestClock();
  const timers = new ManualTimers(clock);
  const main = new FakeServer({ key, now: clock.now, ...options.server });
  const standby = options.standby ? new FakeServer({ key, now: clock.now, ...options.server }) : null;
  open.push(main);
  if (standby) open.push(standby);
  const licenseKey = licenseKeyString({
    hc: "100200-appA",
    org: "100200",
    main: options.mainUrl ?? main.url,
    ...(standby ? { standby: standby.url } : {}),
    ...(options.sp ? { sp: options.sp } : {}),
    pk: [key.publicKey],
  });
  const storage = new MemoryStorage();
  const events: LtsClientEvent[] = [];
  return {
    key,
    clock,
    timers,
    main,
    standby,
    licenseKey,
    storage,
    events,
    client(overrides = {}) {
      const client = new LtsClient({
        licenseKey,
        device: { uuid: "device-0001", name: "Test device" },
        product: "dbr",
        version: 10,
        edition: "javascript",
        deploymentType: "browser",
        storage,
        clock: clock.now,
        timers,
        timeoutMs: 2_000,
        autoReport: false,
        onEvent: (e) => events.push(e),
        ...overrides,
      });
      clients.push(client);
      return client;
    },
  };
}

export function eventsOf<T extends LtsClientEvent["type"]>(events: LtsClientEvent[], type: T): Extract<LtsClientEvent, { type: T }>[] {
  return events.filter((e): e is Extract<LtsClientEvent, { type: T }> => e.type === type);
}
