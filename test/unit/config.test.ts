import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ConfigError, describeOptions, loadConfig, SERVER_OPTIONS } from "../../src/config";
import { tempDir } from "../helpers/temp";

describe("config", () => {
  test("defaults: port 48080 on every address, ./lts-data, no TLS, no base path", () => {
    const c = loadConfig({ env: {}, flags: {} });
    expect(c).toMatchObject({ port: 48080, host: "0.0.0.0", dataDir: resolve("lts-data"), basePath: "", trustProxy: "", logLevel: "info", sessionIdleMinutes: 30, sessionMaxHours: 12 });
    expect(c.tlsCert).toBeUndefined();
  });

  test("reads LTS_* variables, and a flag wins over its variable", () => {
    const env = { LTS_PORT: "50000", LTS_DATA_DIR: "/srv/lts", LTS_TRUST_PROXY: "127.0.0.1", LTS_BASE_PATH: "/lts/" };
    expect(loadConfig({ env, flags: {} })).toMatchObject({ port: 50000, dataDir: "/srv/lts", trustProxy: "127.0.0.1", basePath: "/lts" });
    expect(loadConfig({ env, flags: { port: "50001", trustProxy: "" } })).toMatchObject({ port: 50001, trustProxy: "" });
  });

  test("--trust-proxy takes a list of proxy addresses and CIDRs, IPv4 and IPv6", () => {
    expect(loadConfig({ env: {}, flags: { trustProxy: " 127.0.0.1, 10.0.0.0/8,fd00::/8 ,::1" } }).trustProxy).toBe("127.0.0.1,10.0.0.0/8,fd00::/8,::1");
    for (const off of ["", "false", "0"]) expect(loadConfig({ env: { LTS_TRUST_PROXY: off }, flags: {} }).trustProxy).toBe("");
  });

  test("--trust-proxy refuses a bad entry, and the old on/off switch, saying what to write", () => {
    const problem = (value: string) => {
      try {
        loadConfig({ env: { LTS_TRUST_PROXY: value }, flags: {} });
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).message;
      }
      throw new Error(`${value} was accepted`);
    };
    for (const old of ["true", "1"]) {
      expect(problem(old)).toContain(`--trust-proxy / LTS_TRUST_PROXY = "${old}"`);
      expect(problem(old)).toMatch(/list the reverse proxy's own addresses or CIDRs/);
    }
    const bad = problem("127.0.0.1,10.0.0.0/40,proxy.lan");
    expect(bad).toContain('"10.0.0.0/40" is not an IP address or CIDR; "proxy.lan" is not an IP address or CIDR');
    expect(bad).toContain("e.g. 127.0.0.1,10.0.0.0/8");
  });

  test("lists every problem at once, each with its flag and variable", () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({ env: { LTS_PORT: "99999", LTS_LOG_LEVEL: "loud" }, flags: { basePath: "lts path", sessionIdleMinutes: "1.5" } });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toHaveLength(4);
    expect(error!.message).toContain('--port / LTS_PORT = "99999": must be from 0 to 65,535');
    expect(error!.message).toContain("--log-level / LTS_LOG_LEVEL");
    expect(error!.message).toContain("--base-path / LTS_BASE_PATH");
    expect(error!.message).toContain("--session-idle-minutes / LTS_SESSION_IDLE_MINUTES = \"1.5\": must be a whole number");
    expect(error!.message).toContain("lts --help");
  });

  test("--api-rate-limit / LTS_API_RATE_LIMIT: 100 requests a second by default, 0 turns it off, a fraction is refused", () => {
    expect(loadConfig({ env: {}, flags: {} }).apiRateLimit).toBe(100);
    expect(loadConfig({ env: { LTS_API_RATE_LIMIT: "0" }, flags: {} }).apiRateLimit).toBe(0);
    expect(loadConfig({ env: { LTS_API_RATE_LIMIT: "0" }, flags: { apiRateLimit: "250" } }).apiRateLimit).toBe(250);
    expect(() => loadConfig({ env: {}, flags: { apiRateLimit: "2.5" } })).toThrow(/--api-rate-limit \/ LTS_API_RATE_LIMIT = "2.5": must be a whole number/);
  });

  test("--db-cache-mib / LTS_DB_CACHE_MIB: the page cache's cap, 64 MiB by default, 1 MiB at least", () => {
    expect(loadConfig({ env: {}, flags: {} }).dbCacheMib).toBe(64);
    expect(loadConfig({ env: { LTS_DB_CACHE_MIB: "8" }, flags: {} }).dbCacheMib).toBe(8);
    expect(() => loadConfig({ env: {}, flags: { dbCacheMib: "0" } })).toThrow('--db-cache-mib / LTS_DB_CACHE_MIB = "0": must be from 1 to 65,536');
    expect(() => loadConfig({ env: {}, flags: { dbCacheMib: "64M" } })).toThrow(/--db-cache-mib \/ LTS_DB_CACHE_MIB = "64M": must be a whole number/);
  });

  test("TLS needs both certificate and key", () => {
    expect(() => loadConfig({ env: {}, flags: { tlsCert: "cert.pem" } })).toThrow(/--tls-cert and --tls-key go together/);
    expect(loadConfig({ env: {}, flags: { tlsCert: "cert.pem", tlsKey: "key.pem" } }).tlsKey).toBe(resolve("key.pem"));
  });

  test("log rotation: 10 MiB and 5 files by default, set by --log-max-size / --log-keep or their variables", () => {
    expect(loadConfig({ env: {}, flags: {} })).toMatchObject({ logMaxSize: 10, logKeep: 5 });
    expect(loadConfig({ env: { LTS_LOG_MAX_SIZE: "50", LTS_LOG_KEEP: "2" }, flags: {} })).toMatchObject({ logMaxSize: 50, logKeep: 2 });
    expect(loadConfig({ env: { LTS_LOG_MAX_SIZE: "50" }, flags: { logMaxSize: "1", logKeep: "9" } })).toMatchObject({ logMaxSize: 1, logKeep: 9 });
    expect(() => loadConfig({ env: {}, flags: { logMaxSize: "0" } })).toThrow(/--log-max-size \/ LTS_LOG_MAX_SIZE = "0"/);
    expect(() => loadConfig({ env: {}, flags: { logKeep: "many" } })).toThrow(/--log-keep \/ LTS_LOG_KEEP = "many": must be a whole number/);
    const help = describeOptions(Object.values(SERVER_OPTIONS));
    expect(help).toContain("--log-max-size MIB");
    expect(help).toContain("--log-keep N");
  });

  test("--help describes every option with its variable", () => {
    const help = describeOptions(Object.values(SERVER_OPTIONS));
    for (const spec of Object.values(SERVER_OPTIONS)) {
      expect(help).toContain(spec.flag);
      expect(help).toContain(`env ${spec.env}`);
    }
    expect(help).toContain("(default 48080)");
  });

  test("--metrics-token: a flag, LTS_METRICS_TOKEN, or a file named by LTS_METRICS_TOKEN_FILE; none by default", () => {
    const token = "0123456789abcdef0123456789abcdef";
    expect(loadConfig({ env: {}, flags: {} }).metricsToken).toBeUndefined();
    expect(loadConfig({ env: {}, flags: { metricsToken: token } }).metricsToken).toBe(token);
    expect(loadConfig({ env: { LTS_METRICS_TOKEN: token }, flags: {} }).metricsToken).toBe(token);
    const file = join(tempDir(), "metrics-token");
    writeFileSync(file, `${token}\n`);
    expect(loadConfig({ env: { LTS_METRICS_TOKEN_FILE: file }, flags: {} }).metricsToken).toBe(token);
    expect(loadConfig({ env: { LTS_METRICS_TOKEN_FILE: file, LTS_METRICS_TOKEN: `${token}-env` }, flags: {} }).metricsToken).toBe(`${token}-env`);
    expect(describeOptions([SERVER_OPTIONS.metricsToken])).toContain("LTS_METRICS_TOKEN_FILE");
  });

  test("--metrics-token refuses a short token without echoing it, and an unreadable _FILE, saying what to do", () => {
    const problems = (env: Record<string, string>, flags: Record<string, string> = {}) => {
      try {
        loadConfig({ env, flags });
      } catch (e) {
        return (e as ConfigError).message;
      }
      throw new Error("accepted");
    };
    const short = problems({}, { metricsToken: "hunter2" });
    expect(short).toContain("--metrics-token / LTS_METRICS_TOKEN = (secret): must be at least 16");
    expect(short).not.toContain("hunter2");
    expect(problems({ LTS_METRICS_TOKEN_FILE: "/nonexistent/token" })).toContain('LTS_METRICS_TOKEN_FILE = "/nonexistent/token": cannot read it (ENOENT)');
  });
});
