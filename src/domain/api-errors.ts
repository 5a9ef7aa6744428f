/**
 * The client protocol's refusal codes (PROTOCOL.md, "Error codes"). The numeric code is the
 * contract; the name, the message and the HTTP status are for humans and proxies.
 */
export const API_ERRORS = {
  1: { name: "INVALID_REQUEST", http: 400 },
  2: { name: "STORAGE_UNAVAILABLE", http: 503 },
  3: { name: "RATE_LIMITED", http: 429 },
  100: { name: "NOT_READY", http: 503 },
  101: { name: "HANDSHAKE_NOT_FOUND", http: 404 },
  102: { name: "BAD_SESSION_PASSWORD", http: 403 },
  103: { name: "DOMAIN_MISMATCH", http: 403 },
  104: { name: "NO_MATCHING_LICENSE", http: 403 },
  106: { name: "PRODUCT_MISMATCH", http: 403 },
  107: { name: "VERSION_MISMATCH", http: 403 },
  108: { name: "DEPLOYMENT_MISMATCH", http: 403 },
  109: { name: "EDITION_MISMATCH", http: 403 },
  111: { name: "LICENSE_EXPIRED", http: 403 },
  112: { name: "LICENSE_NOT_YET_VALID", http: 403 },
  113: { name: "LICENSE_REVOKED", http: 403 },
  114: { name: "VALIDATION_FIELD_MISMATCH", http: 403 },
  115: { name: "CHARGE_WAY_MISMATCH", http: 403 },
  120: { name: "USAGE_EXCEEDED", http: 403 },
  121: { name: "ORGANIZATION_NOT_FOUND", http: 404 },
  122: { name: "HANDSHAKE_ORG_MISMATCH", http: 403 },
  123: { name: "NO_HANDSHAKE", http: 400 },
  130: { name: "INSTANCES_EXCEEDED", http: 403 },
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

/** An expected "no" of the API: a value, turned into the signed refusal body by the HTTP layer. */
export interface Refusal {
  code: ApiErrorCode;
  message: string;
  /** Seconds to wait, for code 3. */
  retryAfterSeconds?: number;
}

export const refuse = (code: ApiErrorCode, message: string, retryAfterSeconds?: number): Refusal => ({ code, message, ...(retryAfterSeconds ? { retryAfterSeconds } : {}) });
