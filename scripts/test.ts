#!/usr/bin/env bun
// Runs every test (npm test): builds dist/lts first (the end-to-end tests drive the compiled
// binary), then `bun test` over test/, and ends with one line "N passed, N failed" (followed by
// ", N skipped" when bun skipped some).
//
//   bun scripts/test.ts [bun test arguments…]     e.g. bun scripts/test.ts test/http
//
// Browser tests need Debian's chromium (/usr/bin/chromium); without it they are skipped, except
// under CI=true, where they fail.
import { join } from "node:path";

/**
 * The closing line, from the end of bun test's output (" 12 pass", " 1 skip", " 0 fail" on lines of
 * their own, on stderr) and its exit code: a failing exit with no failed test counts as one failure.
 */
export function summaryLine(output: string, exitCode: number): string {
  const count = (word: string) => Number(output.match(new RegExp(`^\\s*(\\d+) ${word}$`, "m"))?.[1] ?? 0);
  const passed = count("pass");
  const failed = count("fail") + (exitCode !== 0 && count("fail") === 0 ? 1 : 0);
  const skipped = count("skip");
  return `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`;
}

if (import.meta.main) {
  const root = join(import.meta.dir, "..");
  const bun = process.execPath;

  const build = Bun.spawnSync([bun, "scripts/build.ts"], { cwd: root, stdout: "inherit", stderr: "inherit" });
  if (build.exitCode !== 0) {
    console.log("0 passed, 1 failed");
    process.exit(1);
  }

  // A test's time limit guards against a hang, nothing more: tests that start processes (the CLI,
  // the binary) take seconds each on a busy 2-core machine, so the limit is 30 s, not bun's 5 s.
  const args = Bun.argv.slice(2);
  const timeout = args.some((a) => a.startsWith("--timeout")) ? [] : ["--timeout", "30000"];
  const run = Bun.spawn([bun, "test", ...timeout, ...args], { cwd: root, stdout: "inherit", stderr: "pipe" });
  let tail = "";
  const decoder = new TextDecoder();
  for await (const chunk of run.stderr) {
    const text = decoder.decode(chunk);
    process.stderr.write(text);
    tail = (tail + text).slice(-4096);
  }
  const code = await run.exited;
  console.log(summaryLine(tail, code));
  process.exit(code);
}
