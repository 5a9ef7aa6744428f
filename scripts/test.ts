#!/usr/bin/env bun
// Runs every test (npm test): builds dist/lts first (the end-to-end tests drive the compiled
// binary), then `bun test` over test/, and ends with one line "N passed, N failed".
//
//   bun scripts/test.ts [bun test arguments…]     e.g. bun scripts/test.ts test/http
//
// Browser tests need Debian's chromium (/usr/bin/chromium); without it they are skipped, except
// under CI=true, where they fail.
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const bun = process.execPath;

const build = Bun.spawnSync([bun, "scripts/build.ts"], { cwd: root, stdout: "inherit", stderr: "inherit" });
if (build.exitCode !== 0) {
  console.log("0 passed, 1 failed");
  process.exit(1);
}

const run = Bun.spawn([bun, "test", ...Bun.argv.slice(2)], { cwd: root, stdout: "inherit", stderr: "pipe" });
let summary = "";
const decoder = new TextDecoder();
for await (const chunk of run.stderr) {
  const text = decoder.decode(chunk);
  process.stderr.write(text);
  summary = (summary + text).slice(-4096);
}
const code = await run.exited;

// bun test prints " 12 pass" / " 0 fail" on lines of their own, on stderr.
const count = (word: string) => Number(summary.match(new RegExp(`^\\s*(\\d+) ${word}$`, "m"))?.[1] ?? 0);
const passed = count("pass");
const failed = count("fail") + (code !== 0 && count("fail") === 0 ? 1 : 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(code);
