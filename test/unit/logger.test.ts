import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ManualClock } from "../../src/lib/clock";
import { createLogger, fileSink, LogSampler } from "../../src/lib/logger";
import { tempDir } from "../helpers/temp";

/** A sampling logger on a manual clock, and the lines it wrote, parsed. */
function sampledLogger(options: ConstructorParameters<typeof LogSampler>[0] = {}) {
  const clock = new ManualClock("2026-11-28T12:00:00.000Z");
  const written: string[] = [];
  const logger = createLogger([(line) => written.push(line)], "info", { clock, sampling: new LogSampler(options) });
  const lines = () => written.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { clock, logger, lines };
}

describe("sampling repeated log lines", () => {
  test("writes the same line at most 10 times a minute, whatever its request id or duration", () => {
    const { clock, logger, lines } = sampledLogger();
    for (let i = 0; i < 3000; i++) {
      logger.info("request", { requestId: `r${i}`, method: "POST", path: "/api/v1/authorize", status: 400, ms: i % 7 });
      clock.advance(10); // 3,000 requests in 30 s
    }
    expect(lines()).toHaveLength(10);
    expect(lines().map((l) => l.requestId)).toEqual(["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"]);
  });

  test("says how many were left out in one line when the next one is written after the window", () => {
    const { clock, logger, lines } = sampledLogger();
    for (let i = 0; i < 3000; i++) logger.info("request", { requestId: `r${i}`, path: "/api/v1/authorize", status: 400 });
    clock.advance(60_000);
    logger.info("request", { requestId: "later", path: "/api/v1/authorize", status: 400 });
    const [summary, next] = lines().slice(10);
    expect(summary).toEqual({
      time: "2026-11-28T12:01:00.000Z",
      level: "info",
      msg: "request — repeated 2,990 more times in the last 60 s (not written)",
      path: "/api/v1/authorize",
      status: 400,
      repeated: 2990,
      since: "2026-11-28T12:00:00.000Z",
    });
    expect(next).toMatchObject({ msg: "request", requestId: "later" });
    expect(lines()).toHaveLength(12);
  });

  test("writes the summary of an ended window when any other line is written", () => {
    const { clock, logger, lines } = sampledLogger({ maxPerWindow: 1 });
    logger.warn("slow disk", { path: "/a" });
    logger.warn("slow disk", { path: "/a" });
    clock.advance(61_000);
    logger.info("something else");
    expect(lines().map((l) => l.msg)).toEqual(["slow disk", "slow disk — repeated 1 more time in the last 60 s (not written)", "something else"]);
  });

  test("counts each kind apart: another path, status, code or level is another line", () => {
    const { logger, lines } = sampledLogger({ maxPerWindow: 1 });
    logger.info("request", { path: "/a", status: 400 });
    logger.info("request", { path: "/b", status: 400 });
    logger.info("request", { path: "/a", status: 404 });
    logger.info("request", { path: "/a", status: 400, code: 120 });
    logger.warn("request", { path: "/a", status: 400 });
    logger.info("request", { path: "/a", status: 400 });
    expect(lines()).toHaveLength(5);
  });

  test("never loses an error silently: they are sampled too, and counted in an error line", () => {
    const { clock, logger, lines } = sampledLogger();
    for (let i = 0; i < 25; i++) logger.error("api request failed", { requestId: `r${i}`, path: "/api/v1/report", error: new Error("disk I/O error") });
    clock.advance(5_000);
    logger.close();
    const errors = lines();
    expect(errors).toHaveLength(11);
    expect(errors[10]).toMatchObject({ level: "error", msg: "api request failed — repeated 15 more times in the last 5 s (not written)", path: "/api/v1/report", repeated: 15 });
  });

  test("closing writes nothing when nothing was left out", () => {
    const { logger, lines } = sampledLogger();
    logger.info("started");
    logger.close();
    expect(lines()).toHaveLength(1);
  });

  test("tracks a bounded number of kinds; past that, lines are written unsampled", () => {
    const { logger, lines } = sampledLogger({ maxPerWindow: 1, maxKinds: 2 });
    for (const path of ["/a", "/b", "/c", "/c", "/a"]) logger.info("request", { path });
    expect(lines().map((l) => l.path)).toEqual(["/a", "/b", "/c", "/c"]);
  });

  test("the sampler alone: time is what the caller passes in", () => {
    const sampler = new LogSampler({ windowMs: 1000, maxPerWindow: 2 });
    const verdicts = [0, 100, 200, 300].map((t) => sampler.admit("info", "x", {}, t).write);
    expect(verdicts).toEqual([true, true, false, false]);
    expect(sampler.sweep(999)).toEqual([]);
    expect(sampler.sweep(1000)).toEqual([{ level: "info", msg: "x — repeated 2 more times in the last 1 s (not written)", fields: { repeated: 2, since: new Date(0).toISOString() } }]);
    expect(sampler.admit("info", "x", {}, 1000)).toEqual({ write: true, summaries: [] });
  });
});

describe("the log file", () => {
  const line = (n: number) => `line ${String(n).padStart(3, "0")} ${"x".repeat(40)}`; // 49 bytes + newline

  test("rotates past the size limit, keeping lts.log.1 … lts.log.<keep> and deleting older ones", () => {
    const path = join(tempDir("lts-log-"), "lts.log");
    const sink = fileSink(path, { maxBytes: 200, keep: 2 }); // 4 lines of 50 bytes per file
    for (let n = 0; n < 20; n++) {
      sink(line(n));
      sink.flush();
    }
    const lines = (p: string) => readFileSync(p, "utf8").trimEnd().split("\n");
    expect(lines(path)).toEqual([line(16), line(17), line(18), line(19)]);
    expect(lines(`${path}.1`)).toEqual([line(12), line(13), line(14), line(15)]);
    expect(lines(`${path}.2`)).toEqual([line(8), line(9), line(10), line(11)]);
    expect(existsSync(`${path}.3`)).toBe(false);
    for (const p of [path, `${path}.1`, `${path}.2`]) expect(statSync(p).size).toBeLessThanOrEqual(200);
  });

  test("is created 0600, and so are its rotated copies (it holds the setup token)", () => {
    const path = join(tempDir("lts-log-"), "lts.log");
    const sink = fileSink(path, { maxBytes: 100, keep: 5 });
    for (let n = 0; n < 3; n++) {
      sink(line(n));
      sink.flush();
    }
    for (const p of [path, `${path}.1`]) expect(statSync(p).mode & 0o777).toBe(0o600);
  });

  test("an existing 0644 log is tightened to 0600 at the first write, its lines kept", () => {
    const path = join(tempDir("lts-log-"), "lts.log");
    writeFileSync(path, "old line\n");
    chmodSync(path, 0o644);
    const sink = fileSink(path);
    sink("new line");
    sink.flush();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, "utf8")).toBe("old line\nnew line\n");
  });

  test("an existing log already past the limit is rotated before the next write", () => {
    const path = join(tempDir("lts-log-"), "lts.log");
    writeFileSync(path, "y".repeat(300));
    const sink = fileSink(path, { maxBytes: 200 });
    sink("fresh");
    sink.flush();
    expect(readFileSync(path, "utf8")).toBe("fresh\n");
    expect(readFileSync(`${path}.1`, "utf8")).toBe("y".repeat(300));
  });
});
