#!/usr/bin/env bun
// Times the statistics pages, their CSV, the Devices page and Home against synthetic history
// (scripts/seed-history.ts) at 1× (10,000 devices over a year) and 10× (100,000 devices over ten
// years), in one run, in process (app.request on an in-memory database). This machine is shared
// and noisy: the ratio 10× / 1× is the figure that matters.
//
//   bun scripts/bench-stats.ts [--requests 40]
//
// Targets (the Statistics issue): each page p95 ≤ 100 ms; the 10× figure within 1.2× of the 1× one.
import { apiWorld, CODE, START } from "../test/helpers/api";
import { Browser, setUpAndLogIn } from "../test/helpers/browser";
import { seedHistory } from "./seed-history";

const args = Bun.argv.slice(2);
const REQUESTS = Number(args[args.indexOf("--requests") + 1] ?? 40) || 40;

/** The day the world's clock is in (the seeded history ends there). */
const WORLD_TODAY = new Date(START).toISOString().slice(0, 10);

const PAGES: [string, string][] = [
  ["statistics of a code, 30 days", `/statistics/code/${CODE}?range=30d&metric=consumption`],
  ["statistics of a code, all history", `/statistics/code/${CODE}?range=all&metric=authorizations`],
  ["statistics of an item, 90 days, a day open", `/statistics/item/1?range=90d&metric=consumption&day=${new Date().toISOString().slice(0, 10)}`],
  ["statistics CSV, 30 days", `/statistics/code/${CODE}/csv?range=30d&metric=consumption`],
  // A day's devices (device_days, by key): the first page on an item, a page deep in a code's day.
  ["an item's day by device, first page", `/statistics/item/1?range=30d&metric=devices&day=${WORLD_TODAY}&group=device`],
  ["a code's day by device, a later page", `/statistics/code/${CODE}?range=30d&metric=devices&day=${WORLD_TODAY}&group=device&after=2.seed-0004000`],
  ["Devices page (item 2)", "/devices?item=2"],
  ["Home", "/"],
];

async function measure(scale: number): Promise<Map<string, { p50: number; p95: number }>> {
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
  const get = async (path: string) => {
    const res = await api.w.app.request(path, { headers: { cookie } }, { requestIP: () => ({ address: "192.0.2.10" }) });
    return { status: res.status, text: await res.text() };
  };
  const results = new Map<string, { p50: number; p95: number }>();
  for (const [name, path] of PAGES) {
    process.stderr.write(`… ${scale}×: ${name}\n`);
    const warm = performance.now();
    await get(path); // warm up
    // A page that already takes seconds is timed once, so that the run still ends.
    const requests = performance.now() - warm > 2_000 ? 1 : REQUESTS;
    const times: number[] = [];
    for (let i = 0; i < requests; i++) {
      const started = performance.now();
      const page = await get(path);
      times.push(performance.now() - started);
      if (page.status !== 200) throw new Error(`${path}: ${page.status} ${page.text.slice(0, 200)}`);
    }
    times.sort((a, b) => a - b);
    process.stderr.write(`… ${scale}×: ${name}: p95 ${times[Math.ceil(times.length * 0.95) - 1]!.toFixed(1)} ms\n`);
    results.set(name, { p50: times[Math.floor(times.length * 0.5)]!, p95: times[Math.min(times.length - 1, Math.ceil(times.length * 0.95) - 1)]! });
  }
  return results;
}

const one = await measure(1);
const ten = await measure(10);
const ms = (n: number) => `${n.toFixed(1).padStart(7)} ms`;
console.log(`\n${"page".padEnd(44)} ${"1× p50".padStart(10)} ${"1× p95".padStart(10)} ${"10× p50".padStart(10)} ${"10× p95".padStart(10)}  10×/1× p95  targets`);
for (const [name] of PAGES) {
  const a = one.get(name)!;
  const b = ten.get(name)!;
  const ratio = b.p95 / a.p95;
  const ok = b.p95 <= 100 && a.p95 <= 100 && ratio <= 1.2;
  console.log(`${name.padEnd(44)} ${ms(a.p50)} ${ms(a.p95)} ${ms(b.p50)} ${ms(b.p95)}  ${ratio.toFixed(2).padStart(10)}  ${ok ? "met" : "NOT met"}`);
}
