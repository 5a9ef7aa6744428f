import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { ConfigError, describeOptions, loadConfig, SERVER_OPTIONS } from "../../src/config";

describe("config", () => {
  test("defaults: port 48080 on every address, ./lts-data, no TLS, no base path", () => {
    const c = loadConfig({ env: {}, flags: {} });
    expect(c).toMatchObject({ port: 48080, host: "0.0.0.0", dataDir: resolve("lts-data"), basePath: "", trustProxy: false, logLevel: "info", sessionIdleMinutes: 30, sessionMaxHours: 12 });
    expect(c.tlsCert).toBeUndefined();
  });

  test("reads LTS_* variables, and a flag wins over its variable", () => {
    const env = { LTS_PORT: "50000", LTS_DATA_DIR: "/srv/lts", LTS_TRUST_PROXY: "true", LTS_BASE_PATH: "/lts/" };
    expect(loadConfig({ env, flags: {} })).toMatchObject({ port: 50000, dataDir: "/srv/lts", trustProxy: true, basePath: "/lts" });
    expect(loadConfig({ env, flags: { port: "50001", trustProxy: "false" } })).toMatchObject({ port: 50001, trustProxy: false });
    expect(loadConfig({ env: {}, flags: { trustProxy: "" } }).trustProxy).toBe(true); // a bare switch
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
    expect(error!.message).toContain('--port / LTS_PORT = "99999"');
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

  test("TLS needs both certificate and key", () => {
    expect(() => loadConfig({ env: {}, flags: { tlsCert: "cert.pem" } })).toThrow(/--tls-cert and --tls-key go together/);
    expect(loadConfig({ env: {}, flags: { tlsCert: "cert.pem", tlsKey: "key.pem" } }).tlsKey).toBe(resolve("key.pem"));
  });

  test("--help describes every option with its variable", () => {
    const help = describeOptions(Object.values(SERVER_OPTIONS));
    for (const spec of Object.values(SERVER_OPTIONS)) {
      expect(help).toContain(spec.flag);
      expect(help).toContain(`env ${spec.env}`);
    }
    expect(help).toContain("(default 48080)");
  });
});
