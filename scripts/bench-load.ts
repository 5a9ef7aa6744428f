#!/usr/bin/env bun
// The load generator of scripts/bench-api.ts, in a process of its own so that it does not share
// the server's event loop: autocannon (a devDependency) with one request body made per request.
//
//   bun scripts/bench-load.ts '{"url": …, "scenario": …, "connections": 50, "seconds": 10, …}'
//
// Prints one JSON line: { requests, perSecond, p50, p99, errors } (latencies in ms; errors counts
// connection errors, timeouts and every answer other than 200).
import autocannon from "autocannon";

interface Job {
  url: string;
  scenario: "baseline" | "authorize-new" | "authorize-known" | "report";
  connections: number;
  seconds: number;
  /** The handshake code and the items the LTS scenarios use (see bench-api.ts). */
  code?: string;
  deviceItemId?: string;
  scanItemId?: string;
  /** Tells the runs apart: device ids and report ids stay new across runs on one server. */
  run: string;
}

const job = JSON.parse(Bun.argv[2] ?? "{}") as Job;

let shown = false;
let sequence = 0;
const nonce = () => `bench-${job.run}-${++sequence}-`.padEnd(16, "x");
const slotIso = () => new Date(Math.floor(Date.now() / 180_000) * 180_000).toISOString();
/**
 * The known devices (the "known" and report scenarios): as many as connections, taken in turn
 * (autocannon clears a connection's context after each request, so it cannot keep one of its own).
 */
let turn = 0;
const knownDevice = () => `bench-device-${String(turn++ % job.connections).padStart(4, "0")}`;

function body(): object {
  switch (job.scenario) {
    case "baseline":
      return { device: { uuid: knownDevice() }, n: ++sequence };
    case "authorize-new":
      return authorize(`bench-new-${job.run}-${++sequence}`);
    case "authorize-known":
      return authorize(knownDevice());
    case "report":
      return {
        handshakeCode: job.code,
        itemId: job.scanItemId,
        device: { uuid: knownDevice() },
        reportId: `report-${job.run}-${++sequence}`,
        records: [{ slot: slotIso(), counts: { scans: 1 } }],
        nonce: nonce(),
      };
  }
}

function authorize(uuid: string): object {
  return { handshakeCode: job.code, device: { uuid }, product: "dbr", version: 10, edition: "javascript", deploymentType: "browser", chargeWay: "device", nonce: nonce() };
}

const result = await autocannon({
  url: job.url,
  connections: job.connections,
  duration: job.seconds,
  requests: [
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      setupRequest: (request: object) => ({ ...request, body: JSON.stringify(body()) }),
      onResponse: (status: number, responseBody: string) => {
        if (status !== 200 && !shown) (shown = true), process.stderr.write(`first answer other than 200 (${job.scenario}): ${status} ${responseBody}\n`);
      },
    },
  ],
});

console.log(
  JSON.stringify({
    requests: result.requests.total,
    perSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx, // errors include timeouts
  }),
);
