/**
 * The LTS client library (DESIGN.md, "Three programs"): what an SDK vendor embeds. Runs in Bun,
 * Node ≥ 20 and browsers, with standard web APIs only.
 */
export { LtsClient } from "./lts-client";
export { LtsClientError, type LtsClientErrorKind } from "./errors";
export { LicenseKeyError, parseLicenseKey, type LicenseKey } from "./license-key";
export { MemoryStorage, webStorage, type LtsStorage } from "./storage";
export { CHARGE_WAYS, DEPLOYMENT_TYPES, ERROR_CODES, slotOf, type ChargeWay, type DeploymentType, type LtsLicense } from "./protocol";
export { keyIdOf, SIGNATURE_HEADER } from "./signature";
export type { FailedAttempt, ServerRole } from "./transport";
export type { UsageRecord } from "./usage-book";
export type {
  AuthorizeResult,
  FetchLike,
  FlushResult,
  LtsClientEvent,
  LtsClientOptions,
  LtsClientState,
  LtsClientStatus,
  LtsGrant,
  LtsRefusal,
  LtsTimers,
  ReleaseResult,
} from "./types";
