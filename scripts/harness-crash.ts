#!/usr/bin/env bun
// F1, long version: kill -9 the compiled server at seeded random moments under mixed load, N rounds;
// then checks that no acknowledged report was lost or counted twice (test/system/crash-scenario.ts,
// the same code as the quick CI version in test/system/crash.test.ts). Build dist/lts first.
//
//   bun scripts/harness-crash.ts [--rounds 20] [--seed N] [--devices 24] [--library-devices 4]
//
// Prints the figures and exits 1 when a pass criterion fails.
import { parseArgs } from "node:util";
import { runCrashScenario } from "../test/system/crash-scenario";
import { crashVerdict } from "../test/system/verdicts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: { rounds: { type: "string", default: "20" }, seed: { type: "string" }, devices: { type: "string", default: "24" }, "library-devices": { type: "string", default: "4" } },
});
const seed = values.seed ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
console.log(`seed ${seed} (replay with --seed ${seed})`);
const started = performance.now();
const result = await runCrashScenario({
  rounds: Number(values.rounds),
  seed,
  rawDevices: Number(values.devices),
  libraryDevices: Number(values["library-devices"]),
  log: (line) => console.log(line),
});
const problems = crashVerdict(result);
console.log(JSON.stringify({ ...result, seconds: Math.round((performance.now() - started) / 1000) }, null, 2));
console.log(problems.length === 0 ? "PASS" : `FAIL:\n- ${problems.join("\n- ")}`);
process.exit(problems.length === 0 ? 0 : 1);
