#!/usr/bin/env bun
// Times the statistics pages, their CSV, the Devices page and Home against synthetic history
// (scripts/seed-history.ts) at 1× (10,000 devices over a year) and 10× (100,000 devices over ten
// years), in one run, in process (app.request on an in-memory database). This machine is shared
// and noisy: the ratio 10× / 1× is the figure that matters, so the scales are timed in turns, page
// by page, and each figure is the best of the rounds.
//
//   bun scripts/bench-stats.ts [--requests 100] [--rounds 3]
//
// Targets (the Statistics issue): each page p95 ≤ 100 ms; the 10× figure within 1.2× of the 1× one.
import { apiWorld, CODE, START } from "../test/helpers/api";
import { Browser, setUpAndLogIn } from "../test/helpers/browser";
import { seedHistory } from "./seed-history";

const args = Bun.argv.slice(2);
const option = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) || fallback : fallback);
const REQUESTS = option("--requests", 100);
const ROUNDS = option("--rounds", 3);

/** The day the world's clock is in (the seeded history ends there). */
const WORLD_TODAY = new Date(START).toISOString().slice(0, 10);

const PAGES: [string, string][] = [
  ["statistics of a code, 30 days", `/statistics/code/${CODE}?range=30d&metric=consumption`],
  ["statistics of a code, all history", `/statistics/code/${CODE}?range=all&metric=authorizations`],
  ["statistics of an item, 90 days, a day open", `/statistics/item/1?range=90d&metric=consumption&day=${WORLD_TODAY}`],
  ["statistics CSV, 30 days", `/statistics/code/${CODE}/csv?range=30d&metric=consumption`],
  // A day's devices (device_days, by key): the first page on an item, a page deep in a code's day.
  ["an item's day by device, first page", `/statistics/item/1?range=30d&metric=devices&day=${WORLD_TODAY}&group=device`],
  ["a code's day by device, a later page", `/statistics/code/${CODE}?range=30d&metric=devices&day=${WORLD_TODAY}&group=device&after=2.seed-0004000`],
  ["Devices page (item 2)", "/devices?item=2"],
  ["Home", "/"],
];

type Get = (path: string) => Promise<{ status: number; text: string }>;
interface Figure {
  p50: number;
  p95: number;
}

/** A world holding `scale`× the synthetic history, and a GET as its logged-in admin. */
async function worldAt(scale: number): Promise<Get> {
  const api = await apiWorld({
    items: [
      { chargeWay: "scan", quantity: 100_000_000, modules: ["qr", "oned", "pdf417"] },
      { chargeWay: "device", quantity: 1_000_000 },
      { chargeWay: "concurrent-device", quantity: 20 },
    ],
  });
  const seeding = performance.now();
  const seeded = seedHistory(api.w.db.$client, { scale, now: api.w.clock.now().getTime() });
  process.stderr.write(`… ${scale}×: ${seeded.devices} devices over ${seeded.days} days seeded in ${Math.round(performance.now() - seeding)} ms\n`);
  const admin = new Browser(api.w.app);
  await setUpAndLogIn(admin, api.w.setupToken);
  // Raw requests with the session cookie: the test Browser would also parse every page's HTML.
  const cookie = [...admin.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  return async (path) => {
    const res = await api.w.app.request(path, { headers: { cookie } }, { requestIP: () => ({ address: "192.0.2.10" }) });
    return { status: res.status, text: await res.text() };
  };
}

async function time(get: Get, path: string): Promise<Figure> {
  await get(path); // warm up
  const times: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const started = performance.now();
    const page = await get(path);
    times.push(performance.now() - started);
    if (page.status !== 200) throw new Error(`${path}: ${page.status} ${page.text.slice(0, 200)}`);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length * 0.5)]!, p95: times[Math.min(times.length - 1, Math.ceil(times.length * 0.95) - 1)]! };
}

// Both worlds live side by side; each round times every page at 1× and then at 10×, and the best
// figure of the rounds counts (a garbage collection or a neighbour only ever slows a figure down).
const worlds = [await worldAt(1), await worldAt(10)] as const;
const best = new Map<string, [Figure, Figure]>();
for (let round = 1; round <= ROUNDS; round++) {
  process.stderr.write(`… round ${round} of ${ROUNDS}\n`);
  for (const [name, path] of PAGES) {
    const figures = [await time(worlds[0], path), await time(worlds[1], path)] as const;
    const kept = best.get(name);
    best.set(name, kept ? [0, 1].map((i) => ({ p50: Math.min(kept[i]!.p50, figures[i]!.p50), p95: Math.min(kept[i]!.p95, figures[i]!.p95) })) as [Figure, Figure] : [figures[0], figures[1]]);
  }
}
const ms = (n: number) => `${n.toFixed(1).padStart(7)} ms`;
console.log(`\nbest of ${ROUNDS} rounds × ${REQUESTS} requests per page and scale`);
console.log(`${"page".padEnd(44)} ${"1× p50".padStart(10)} ${"1× p95".padStart(10)} ${"10× p50".padStart(10)} ${"10× p95".padStart(10)}  10×/1× p95  targets`);
for (const [name] of PAGES) {
  const [a, b] = best.get(name)!;
  const ratio = b.p95 / a.p95;
  const ok = b.p95 <= 100 && a.p95 <= 100 && ratio <= 1.2;
  console.log(`${name.padEnd(44)} ${ms(a.p50)} ${ms(a.p95)} ${ms(b.p50)} ${ms(b.p95)}  ${ratio.toFixed(2).padStart(10)}  ${ok ? "met" : "NOT met"}`);
}
