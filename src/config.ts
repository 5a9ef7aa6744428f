import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import * as v from "valibot";
import { splitList, trustedProxyProblem } from "./domain/trusted-proxies";

/**
 * Server configuration. Every option is a flag (`--data-dir DIR`) and an environment variable
 * (`LTS_DATA_DIR`); a flag wins over the variable. main.ts hands the environment in; nothing else
 * reads it.
 */
export interface OptionSpec {
  flag: string;
  env: string;
  value?: string; // the placeholder in --help; absent for on/off switches
  help: string;
  default?: string;
  /** A secret: it may also come from the file named by `<env>_FILE` (kept out of `ps` and the environment). */
  secret?: boolean;
}

export const SERVER_OPTIONS = {
  port: { flag: "--port", env: "LTS_PORT", value: "N", default: "48080", help: "TCP port for the portal and the API (0 picks a free one)" },
  host: { flag: "--host", env: "LTS_HOST", value: "ADDR", default: "0.0.0.0", help: "address to listen on (127.0.0.1 keeps it to this machine)" },
  dataDir: { flag: "--data-dir", env: "LTS_DATA_DIR", value: "DIR", default: "./lts-data", help: "where the database, instance key and logs live" },
  tlsCert: { flag: "--tls-cert", env: "LTS_TLS_CERT", value: "FILE", help: "PEM certificate: serve HTTPS (needs --tls-key)" },
  tlsKey: { flag: "--tls-key", env: "LTS_TLS_KEY", value: "FILE", help: "PEM private key for --tls-cert" },
  basePath: { flag: "--base-path", env: "LTS_BASE_PATH", value: "/PATH", default: "", help: "serve under a sub-path, e.g. /lts behind a reverse proxy" },
  trustProxy: {
    flag: "--trust-proxy",
    env: "LTS_TRUST_PROXY",
    value: "LIST",
    default: "",
    help: "the reverse proxies (addresses or CIDRs, e.g. 127.0.0.1,10.0.0.0/8) whose X-Forwarded-For/-Proto/-Host count",
  },
  logLevel: { flag: "--log-level", env: "LTS_LOG_LEVEL", value: "LEVEL", default: "info", help: "debug, info, warn or error" },
  logMaxSize: { flag: "--log-max-size", env: "LTS_LOG_MAX_SIZE", value: "MIB", default: "10", help: "rotate logs/lts.log once it passes this many MiB" },
  logKeep: { flag: "--log-keep", env: "LTS_LOG_KEEP", value: "N", default: "5", help: "rotated logs kept (lts.log.1 … lts.log.N); older ones are deleted" },
  sessionIdleMinutes: { flag: "--session-idle-minutes", env: "LTS_SESSION_IDLE_MINUTES", value: "N", default: "30", help: "portal sessions end after this long without a request" },
  sessionMaxHours: { flag: "--session-max-hours", env: "LTS_SESSION_MAX_HOURS", value: "N", default: "12", help: "portal sessions end this long after login, whatever happens" },
  apiRateLimit: { flag: "--api-rate-limit", env: "LTS_API_RATE_LIMIT", value: "N", default: "100", help: "client API requests a second per source address (bursts of 5 × N); 0 turns the limit off" },
  alertInterval: { flag: "--alert-interval", env: "LTS_ALERT_INTERVAL", value: "MINUTES", default: "10", help: "how often the alert engine checks quotas, failed authorizations and expiry dates" },
  metricsToken: {
    flag: "--metrics-token",
    env: "LTS_METRICS_TOKEN",
    value: "TOKEN",
    secret: true,
    help: "GET /metrics then needs 'Authorization: Bearer TOKEN' (from any address); without it /metrics answers this machine only",
  },
  usageSlotDays: { flag: "--usage-slot-days", env: "LTS_USAGE_SLOT_DAYS", value: "N", default: "35", help: "days usage is kept per 3-minute slot and per device and day (at least 35; hourly and daily totals stay)" },
  usageHourlyDays: { flag: "--usage-hourly-days", env: "LTS_USAGE_HOURLY_DAYS", value: "N", default: "730", help: "days hourly usage totals are kept (at least 35); daily totals are kept for ever" },
  dbCacheMib: {
    flag: "--db-cache-mib",
    env: "LTS_DB_CACHE_MIB",
    value: "MIB",
    default: "64",
    help: "the database's page cache, at most this many MiB: the pages writes touch stay in memory (less: a smaller RSS, more reads)",
  },
} satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof SERVER_OPTIONS;

const intIn = (min: number, max: number) => {
  const range = `must be from ${min.toLocaleString("en")} to ${max.toLocaleString("en")}`;
  return v.pipe(v.string(), v.regex(/^\d+$/, "must be a whole number"), v.transform(Number), v.minValue(min, range), v.maxValue(max, range));
};

const absolutePath = v.pipe(v.string(), v.minLength(1, "must not be empty"), v.transform((p) => resolve(p)));

export const ConfigSchema = v.pipe(
  v.object({
    port: intIn(0, 65535),
    host: v.pipe(v.string(), v.minLength(1, "must not be empty")),
    dataDir: absolutePath,
    tlsCert: v.optional(absolutePath),
    tlsKey: v.optional(absolutePath),
    basePath: v.pipe(
      v.string(),
      v.transform((p) => p.replace(/\/+$/, "")),
      v.regex(/^(\/[A-Za-z0-9._~-]+)*$/, "must look like /lts (letters, digits, . _ ~ -)"),
    ),
    trustProxy: v.pipe(
      v.string(),
      v.rawTransform(({ dataset, addIssue, NEVER }) => {
        const list = dataset.value.trim();
        if (list === "" || list === "false" || list === "0") return "";
        if (list === "true" || list === "1") {
          addIssue({ message: "list the reverse proxy's own addresses or CIDRs instead, e.g. --trust-proxy 127.0.0.1,10.0.0.0/8 (trusting every peer would let any client forge its address)" });
          return NEVER;
        }
        const problems = splitList(list).map(trustedProxyProblem).filter((p) => p !== null);
        if (problems.length === 0) return splitList(list).join(",");
        addIssue({ message: `${problems.join("; ")}: write the proxies' addresses or CIDRs separated by commas, e.g. 127.0.0.1,10.0.0.0/8,fd00::/8` });
        return NEVER;
      }),
    ),
    logLevel: v.picklist(["debug", "info", "warn", "error"], "must be debug, info, warn or error"),
    logMaxSize: intIn(1, 100_000),
    logKeep: intIn(1, 100),
    sessionIdleMinutes: intIn(1, 24 * 60),
    sessionMaxHours: intIn(1, 24 * 30),
    apiRateLimit: intIn(0, 1_000_000),
    alertInterval: intIn(1, 24 * 60),
    metricsToken: v.optional(
      v.pipe(
        v.string(),
        v.regex(/^[\x21-\x7e]{16,}$/, "must be at least 16 visible ASCII characters without spaces, e.g. the output of 'openssl rand -hex 32'"),
      ),
    ),
    usageSlotDays: intIn(35, 100_000),
    usageHourlyDays: intIn(35, 100_000),
    dbCacheMib: intIn(1, 65_536),
  }),
  v.check((c) => !!c.tlsCert === !!c.tlsKey, "--tls-cert and --tls-key go together: give both, or neither"),
);

export type Config = v.InferOutput<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}\nRun 'lts --help' to see every option.`);
  }
}

/** Values given as flags, by option name. Switches given without a value are "". */
export type FlagValues = Partial<Record<string, string>>;

/**
 * Merges defaults, `LTS_*` variables and flags (in rising order of precedence) and validates the
 * whole. Throws one ConfigError that lists every problem, each with its flag and variable.
 */
export function loadConfig(input: { env: Record<string, string | undefined>; flags: FlagValues }): Config {
  const raw: Record<string, string | undefined> = {};
  const fileProblems: string[] = [];
  for (const [name, spec] of Object.entries(SERVER_OPTIONS) as [OptionName, OptionSpec][]) {
    raw[name] = input.flags[name] ?? input.env[spec.env] ?? (spec.secret ? secretFromFile(input.env, spec, fileProblems) : undefined) ?? spec.default;
    if (!("value" in spec) && raw[name] === undefined) raw[name] = "false";
  }
  const result = v.safeParse(ConfigSchema, raw);
  if (result.success && fileProblems.length === 0) return Object.freeze(result.output);
  throw new ConfigError([
    ...fileProblems,
    ...(result.issues ?? []).map((issue) => {
      const key = issue.path?.[0]?.key as OptionName | undefined;
      if (!key) return issue.message;
      const spec: OptionSpec = SERVER_OPTIONS[key];
      // A secret's value is never echoed into an error message (it would land in logs).
      return `${spec.flag} / ${spec.env} = ${spec.secret ? "(secret)" : JSON.stringify(raw[key])}: ${issue.message}`;
    }),
  ]);
}

/** A secret's value read from the file named by `<env>_FILE` (its trailing newline dropped), when set. */
function secretFromFile(env: Record<string, string | undefined>, spec: OptionSpec, problems: string[]): string | undefined {
  const path = env[`${spec.env}_FILE`];
  if (path === undefined || path === "") return undefined;
  try {
    return readFileSync(path, "utf8").replace(/\r?\n$/, "");
  } catch (error) {
    problems.push(`${spec.env}_FILE = ${JSON.stringify(path)}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)}); name a file the server's user can read, holding ${spec.flag}'s value`);
    return undefined;
  }
}

/** The `--help` lines for a set of options: flag, placeholder, variable, default and meaning. */
export function describeOptions(specs: OptionSpec[]): string {
  const left = specs.map((s) => `  ${s.flag}${s.value ? " " + s.value : ""}`);
  const width = Math.max(...left.map((l) => l.length)) + 2;
  return specs
    .map((s, i) => {
      const dflt = s.default !== undefined && s.default !== "" ? ` (default ${s.default})` : "";
      return `${left[i]!.padEnd(width)}${s.help}${dflt}\n${" ".repeat(width)}env ${s.env}${s.secret ? ` (or ${s.env}_FILE naming a file that holds it)` : ""}`;
    })
    .join("\n");
}

