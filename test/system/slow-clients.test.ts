// Slow and hostile clients against the compiled binary (reference B4, B6, B7), each test bounded
// (slowhttptest -l, fixed socket counts) and on loopback only:
//   - slowloris (slowhttptest -H) and slow POST (-B), 500 sockets each, and 2,000 idle keep-alive
//     connections: a normal client's authorize p99 stays within 2 × its p99 measured just before
//     (median of three batches of 300; a 25 ms floor under the baseline for a shared 2-core
//     machine's scheduling noise), and the server closes the slow sockets itself (fd count);
//   - oversize and chunked (1 MiB, no Content-Length) bodies: 413, headers over 64 KiB 431, and the server keeps answering;
//   - request-smuggling shapes on raw sockets: one 400 (505 for a bare-LF request line) and a
//     closed connection, never a second answer to the request hidden in the body.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { startLicensedBinary, type LicensedBinary } from "./licensed-binary";

const SLOWHTTPTEST = "/usr/bin/slowhttptest";
const available = await Bun.file(SLOWHTTPTEST).exists();
if (!available && process.env.CI === "true") throw new Error(`${SLOWHTTPTEST} is missing: apt-get install slowhttptest`);

/** 2,000 client sockets here and 2,000 at the server (a child, same limit), plus some to spare. */
const IDLE_CONNECTIONS = 2_000;
const openFileLimit = Number(Bun.spawnSync(["sh", "-c", "ulimit -n"]).stdout.toString().trim()) || 0;
const enoughFiles = openFileLimit === 0 || openFileLimit >= IDLE_CONNECTIONS * 2 + 500;
if (!enoughFiles) console.warn(`skipping the ${IDLE_CONNECTIONS} idle connections test: ulimit -n is ${openFileLimit}; raise it to 4500 or more`);

/**
 * Below this a batch's p99 is scheduling noise on a shared 2-core machine (slowhttptest itself and
 * other processes compete for the cores), not the server: measured here, the server spent under 3 %
 * of a core on 500 slowloris sockets, yet a batch's p99 moved between 7 and 30 ms with or without
 * them. 25 ms is half the API's p99 target under load (reference L1: 50 ms).
 */
const NOISE_FLOOR_MS = 25;
const MAX_RATIO = 2;

let server: LicensedBinary;
/** The server's open file descriptors when no test holds connections. */
let quietFds = 0;
beforeAll(async () => {
  server = await startLicensedBinary({ args: ["--api-rate-limit", "0"] });
  quietFds = openFds();
}, 60_000);
afterAll(() => server?.stop());

let sequence = 0;
const nonce = () => `slow-nonce-${String(++sequence).padStart(10, "0")}`;

/** p99 of `count` sequential authorize calls from one keep-alive client; every one must be granted. */
async function authorizeP99(count = 300): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const res = await fetch(`${server.lts.url}/api/v1/authorize`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(server.authorizeBody(`normal-${String(i % 20).padStart(4, "0")}`, nonce())),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`authorize answered ${res.status}: ${text}`);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(count * 0.99)]!;
}

/** The median of three batches' p99 (300 calls each). */
async function p99(): Promise<number> {
  const batches = [await authorizeP99(), await authorizeP99(), await authorizeP99()].sort((a, b) => a - b);
  return batches[1]!;
}

function expectLatencyKept(before: number, during: number, what: string) {
  const ratio = during / Math.max(before, NOISE_FLOOR_MS);
  console.log(`${what}: authorize p99 ${before.toFixed(1)} ms before, ${during.toFixed(1)} ms during (ratio ${ratio.toFixed(2)} against max(before, ${NOISE_FLOOR_MS} ms))`);
  expect(ratio).toBeLessThanOrEqual(MAX_RATIO);
}

const openFds = () => readdirSync(`/proc/${server.lts.pid}/fd`).length;

/** Waits until an earlier test's connections are gone; the fd count then. */
async function quiet(): Promise<number> {
  await until("the server's connections from an earlier test to close", () => openFds() <= quietFds + 20, 35_000);
  return openFds();
}

async function until(what: string, probe: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(200);
  }
}

/** Starts slowhttptest for `seconds`: 500 sockets opened at 100/s, a header line or body chunk every 10 s. */
function slowhttptest(mode: "-H" | "-B", seconds: number) {
  const url = mode === "-H" ? `${server.lts.url}/healthz` : `${server.lts.url}/api/v1/authorize`;
  const args = [SLOWHTTPTEST, "-c", "500", mode, "-i", "10", "-r", "100", "-t", mode === "-H" ? "GET" : "POST", "-u", url, "-x", "24", "-p", "3", "-l", String(seconds)];
  const child = Bun.spawn(args, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const output = new Response(child.stdout).text();
  return {
    async done() {
      await child.exited;
      return output;
    },
    kill: () => child.kill(),
  };
}

describe.skipIf(!available)("slow clients", () => {
  for (const [mode, name] of [
    ["-H", "slowloris (headers trickled)"],
    ["-B", "slow POST (a body trickled to the API)"],
  ] as const) {
    test(
      `${name}: 500 sockets; others keep their latency, and the server closes the slow sockets within 10 s + 5`,
      async () => {
        const fdsBefore = await quiet();
        const before = await p99();
        const attack = slowhttptest(mode, 25);
        try {
          await until("the slow sockets to open", () => openFds() >= fdsBefore + 490, 15_000);
          const opened = Date.now();
          expectLatencyKept(before, await p99(), name);
          // slowhttptest keeps them for 25 s; the server drops each 10 s after its headers began (-H)
          // or after its headers (-B, the API's request timeout), whatever the trickle.
          await until("the server to close the slow sockets", () => openFds() <= fdsBefore + 20, Math.max(1_000, opened + 15_000 - Date.now()));
        } finally {
          attack.kill();
          await attack.done();
        }
      },
      75_000,
    );
  }

  test.skipIf(!enoughFiles)(
    "2,000 idle keep-alive connections: others keep their latency, and the connections are released when the clients go",
    async () => {
      const fdsBefore = await quiet();
      const before = await p99();
      let closed = 0;
      const sockets = [];
      for (let i = 0; i < IDLE_CONNECTIONS; i++) {
        sockets.push(
          await Bun.connect({
            hostname: "127.0.0.1",
            port: server.lts.port,
            socket: { data() {}, close: () => void closed++, error() {} },
          }),
        );
        // One request each, then idle: a kept-alive connection, not a half-open one.
        sockets[i]!.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      }
      try {
        await until("2,000 connections at the server", () => openFds() >= fdsBefore + IDLE_CONNECTIONS - 10, 20_000);
        expectLatencyKept(before, await p99(), "2,000 idle keep-alive connections");
        expect(closed).toBeLessThan(100);
      } finally {
        for (const socket of sockets) socket.end();
      }
      await until("the connections to be gone", () => openFds() <= fdsBefore + 20, 10_000);
    },
    75_000,
  );

  test("oversize and chunked bodies get 413, headers too large 431; the server keeps answering", async () => {
    const api = `${server.lts.url}/api/v1/authorize`;
    const big = await fetch(api, { method: "POST", headers: { "content-type": "application/json" }, body: "x".repeat(3 * 1024 * 1024) });
    expect(big.status).toBe(413);
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 1024; i++) controller.enqueue(new Uint8Array(1024).fill(32));
        controller.close();
      },
    });
    const chunked = await fetch(api, { method: "POST", headers: { "content-type": "application/json" }, body: chunks, duplex: "half" } as RequestInit);
    expect(chunked.status).toBe(413);
    const portal = await fetch(`${server.lts.url}/login`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "password=" + "a".repeat(3 * 1024 * 1024) });
    expect(portal.status).toBe(413);
    const headers = await rawExchange(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(64 * 1024)}\r\n\r\n`);
    expect(headers.statuses).toEqual([431]);
    expect((await fetch(`${server.lts.url}/healthz`)).status).toBe(200);
    expect(await authorizeP99(5)).toBeGreaterThan(0);
  });

  describe("request smuggling shapes (raw sockets): one refusal and a closed connection, never a desync", () => {
    const hidden = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    const post = "POST /api/v1/authorize HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
    // [name, bytes, the one status, whether the server closes the connection]
    const shapes: [string, string, number, boolean][] = [
      ["Content-Length and Transfer-Encoding", `${post}Content-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${hidden}`, 400, true],
      ["Transfer-Encoding then Content-Length", `${post}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n${hidden}`, 400, true],
      ["two different Content-Lengths", `${post}Content-Length: 0\r\nContent-Length: ${hidden.length}\r\n\r\n${hidden}`, 400, true],
      // Identical values count as one (RFC 9112 §6.3): the hidden request is the body, which the API refuses as not JSON.
      ["two equal Content-Lengths", `${post}Content-Length: ${hidden.length}\r\nContent-Length: ${hidden.length}\r\n\r\n${hidden}`, 400, false],
      ["a Content-Length list", `${post}Content-Length: 0, ${hidden.length}\r\n\r\n${hidden}`, 400, true],
      ["Transfer-Encoding: chunked, identity", `${post}Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n${hidden}`, 400, true],
      ["Transfer-Encoding: xchunked", `${post}Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n${hidden}`, 400, true],
      ["a space before the colon", `${post}Transfer-Encoding : chunked\r\nContent-Length: 0\r\n\r\n5\r\nhello\r\n0\r\n\r\n${hidden}`, 400, true],
      ["obs-fold (a folded header line)", `${post}Content-Length: 0\r\nX-Foo: a\r\n  Transfer-Encoding: chunked\r\n\r\n${hidden}`, 400, true],
      ["a bare LF inside the headers", `${post}Host2: y\nContent-Length: 0\r\n\r\n${hidden}`, 400, true],
      ["a bare-LF request", `GET /healthz HTTP/1.1\nHost: x\n\n${hidden}`, 505, true],
      ["a chunk size that overflows", `${post}Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n\r\n${hidden}`, 400, true],
    ];
    for (const [name, bytes, status, closed] of shapes) {
      test(name, async () => {
        const answer = await rawExchange(bytes);
        expect(answer).toEqual({ statuses: [status], closed });
      });
    }

    test("(control) two well-formed pipelined requests get two answers", async () => {
      expect((await rawExchange(hidden + hidden)).statuses).toEqual([200, 200]);
    });
  });
});

/** Writes `bytes` on a fresh connection and collects every HTTP status line answered within 2 s (or until closed). */
async function rawExchange(bytes: string): Promise<{ statuses: number[]; closed: boolean }> {
  let data = "";
  let closed = false;
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port: server.lts.port,
    socket: {
      data: (_s, chunk) => void (data += new TextDecoder().decode(chunk)),
      close: () => void (closed = true),
      error() {},
    },
  });
  socket.write(bytes);
  const deadline = Date.now() + 2_000;
  while (!closed && Date.now() < deadline) await Bun.sleep(20);
  const closedByServer = closed;
  socket.end();
  return { statuses: [...data.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1])), closed: closedByServer };
}
