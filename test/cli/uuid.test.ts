import { describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { writeFileSync } from "node:fs";
import { closeDatabase } from "../../src/db/client";
import { openDataDir } from "../../src/db/data-dir";
import { auditEvents, machineIdentity } from "../../src/db/schema";
import { MACHINE_UUID_PATTERN, deriveMachineUuid } from "../../src/domain/machine-uuid";
import { tempDir } from "../helpers/temp";

const MAIN = resolve(import.meta.dir, "../../src/main.ts");

/** Runs `lts ARGS` from source on this machine's real hardware labels. */
async function lts(args: string[], cwd?: string) {
  const proc = Bun.spawn([process.execPath, MAIN, ...args], { cwd, stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { PATH: process.env.PATH ?? "" } });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

function storedState(dataDir: string) {
  const db = openDataDir(dataDir);
  try {
    return { identity: db.select().from(machineIdentity).get(), events: db.select().from(auditEvents).all() };
  } finally {
    closeDatabase(db);
  }
}

const uuidIn = (text: string) => text.match(/Machine UUID: (\S+)/)?.[1];

describe("lts uuid", () => {
  test("says that none is set, what to do, and which labels this machine has (exit 0)", async () => {
    const dataDir = tempDir("lts-cli-");
    const { code, stdout } = await lts(["uuid", "--data-dir", dataDir]);
    expect(code).toBe(0);
    expect(stdout).toContain("No machine UUID is set yet");
    expect(stdout).toContain("lts uuid generate --labels machine-id,mac --yes");
    expect(stdout).toMatch(/^ {2}machine-id {9}available$/m);
    expect(stdout).toMatch(/^ {2}mac {16}available$/m);
    expect(stdout).toMatch(/^ {2}custom {13}not available: no custom ID file given$/m);
  });

  test("--labels belongs to uuid generate", async () => {
    const { code, stderr } = await lts(["uuid", "--labels", "mac", "--data-dir", tempDir("lts-cli-")]);
    expect(code).toBe(2);
    expect(stderr).toContain("--labels belongs to 'lts uuid generate'");
  });
});

describe("lts uuid generate", () => {
  test("without --yes shows the UUID it would store and changes nothing (exit 1)", async () => {
    const dataDir = tempDir("lts-cli-");
    const { code, stdout, stderr } = await lts(["uuid", "generate", "--labels", "machine-id,mac", "--data-dir", dataDir]);
    expect(code).toBe(1);
    expect(stdout).toContain("Labels: mac (MAC address), machine-id (Machine ID)");
    expect(uuidIn(stdout)).toMatch(MACHINE_UUID_PATTERN);
    expect(stderr).toContain("Nothing was stored. To store this UUID, run the same command with --yes.");
    expect(storedState(dataDir)).toEqual({ identity: undefined, events: [] });
  });

  test("with --yes stores it, audited as the console's act; lts uuid then shows it matching", async () => {
    const dataDir = tempDir("lts-cli-");
    const preview = uuidIn((await lts(["uuid", "generate", "--labels", "mac,machine-id", "--data-dir", dataDir])).stdout);
    const { code, stdout } = await lts(["uuid", "generate", "--labels", "machine-id,mac", "--yes", "--data-dir", dataDir]);
    expect(code).toBe(0);
    expect(uuidIn(stdout)).toBe(preview!);
    expect(stdout).toContain(`Stored machine UUID ${preview}`);
    const { identity, events } = storedState(dataDir);
    expect(identity).toMatchObject({ uuid: preview, labels: ["mac", "machine-id"] });
    expect(events.map((e) => [e.actor, e.action])).toEqual([["console", "uuid.generated"]]);

    const show = await lts(["uuid", "--data-dir", dataDir]);
    expect(show.code).toBe(0);
    expect(show.stdout).toBe(`Machine UUID: ${preview}\nLabels: mac (MAC address), machine-id (Machine ID)\nMatches this machine now: yes\n`);
  });

  test("binds to a custom ID file given by a relative path, stored as a full path", async () => {
    const dataDir = tempDir("lts-cli-");
    const dir = tempDir();
    const file = join(dir, "lts-id");
    writeFileSync(file, "site-42\n");
    const { code } = await lts(["uuid", "generate", "--labels", "custom", "--custom-id-file", "lts-id", "--yes", "--data-dir", dataDir], dir);
    expect(code).toBe(0);
    expect(storedState(dataDir).identity).toMatchObject({ uuid: deriveMachineUuid({ custom: "site-42" }), customIdFile: file });
    expect((await lts(["uuid", "--data-dir", dataDir])).stdout).toContain(`Custom ID file: ${file}`);
  });

  test("refuses a label without a value here, naming it and the reason (exit 1)", async () => {
    const dataDir = tempDir("lts-cli-");
    const missing = join(tempDir(), "no-such-file");
    const { code, stderr } = await lts(["uuid", "generate", "--labels", "machine-id,custom", "--custom-id-file", missing, "--yes", "--data-dir", dataDir]);
    expect(code).toBe(1);
    expect(stderr).toContain(`Custom ID file (custom): not readable: ${missing} does not exist.`);
    expect(stderr).toContain("Nothing was stored.");
    expect(storedState(dataDir).identity).toBeUndefined();
  });

  test("refuses an unknown label, a missing --labels, and custom without its file (exit 2)", async () => {
    const dataDir = tempDir("lts-cli-");
    const unknown = await lts(["uuid", "generate", "--labels", "mac,serial", "--yes", "--data-dir", dataDir]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown label 'serial'. Choose from: processor-id, mac, machine-id, motherboard-serial, custom.");
    const none = await lts(["uuid", "generate", "--yes", "--data-dir", dataDir]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("--labels processor-id,mac,machine-id,motherboard-serial,custom");
    const custom = await lts(["uuid", "generate", "--labels", "custom", "--yes", "--data-dir", dataDir]);
    expect(custom.code).toBe(2);
    expect(custom.stderr).toContain("--custom-id-file FILE");
    expect(storedState(dataDir).identity).toBeUndefined();
  });

  test("--help lists both uuid commands", async () => {
    const { stdout } = await lts(["--help"]);
    expect(stdout).toContain("lts uuid [--data-dir DIR]");
    expect(stdout).toContain("lts uuid generate --labels processor-id,mac,machine-id,motherboard-serial,custom");
  });
});

describe("lts serve and the machine UUID", () => {
  /** Starts the server from source; resolves with its URL once it listens. */
  async function serve(dataDir: string) {
    const proc = Bun.spawn([process.execPath, MAIN, "--port", "0", "--host", "127.0.0.1", "--data-dir", dataDir], { stdout: "pipe", stderr: "pipe" });
    const reader = proc.stdout.getReader();
    let out = "";
    const deadline = Date.now() + 10_000;
    let url: string | undefined;
    while (!url && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
      url = out.match(/listening on (http:\/\/[^\s"]+?)\/?"/)?.[1];
    }
    if (!url) throw new Error(`no listening line: ${out}`);
    void (async () => {
      while (!(await reader.read()).done);
    })();
    return { url, stop: async () => (proc.kill("SIGTERM"), await proc.exited) };
  }

  async function healthUntil(url: string, want: RegExp, timeoutMs = 8_000) {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
      last = await (await fetch(`${url}/healthz`)).text();
      if (want.test(last)) return JSON.parse(last);
      await Bun.sleep(50);
    }
    throw new Error(`healthz never matched ${want}; last: ${last}`);
  }

  test("reads the labels after listening and reports ready when they match", async () => {
    const dataDir = tempDir("lts-cli-");
    await lts(["uuid", "generate", "--labels", "machine-id,mac", "--yes", "--data-dir", dataDir]);
    const server = await serve(dataDir);
    try {
      expect(await healthUntil(server.url, /"status":"ok"/)).toMatchObject({ status: "ok", uuidMatches: true });
    } finally {
      await server.stop();
    }
  });

  test("a running server picks up a UUID stored by lts uuid generate", async () => {
    const dataDir = tempDir("lts-cli-");
    const server = await serve(dataDir);
    try {
      expect((await healthUntil(server.url, /no machine UUID yet/)).status).toBe("not-ready");
      expect((await lts(["uuid", "generate", "--labels", "machine-id", "--yes", "--data-dir", dataDir])).code).toBe(0);
      expect(await healthUntil(server.url, /"status":"ok"/)).toMatchObject({ status: "ok", uuidMatches: true });
    } finally {
      await server.stop();
    }
  }, 20_000);
});
