import { LtsClient, MemoryStorage, type LtsClientEvent, type LtsClientOptions } from "../../src/client";
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
  main: FakeServer;
  standby: FakeServer | null;
  licenseKey: string;
  storage: MemoryStorage;
  events: LtsClientEvent[];
  /** A client for this world; options override the defaults (scan, no timer). */
  client(options?: Partial<LtsClientOptions>): LtsClient;
}

let shared: ServerKey | null = null;

/** Fake main (and standby) servers sharing one signing key, a license key pinning it, a test clock. */
export async function makeWorld(options: { standby?: boolean; mainUrl?: string; sp?: string; server?: Partial<FakeServerOptions> } = {}): Promise<World> {
  const key = (shared ??= await makeServerKey());
  const clock = new TestClock();
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
