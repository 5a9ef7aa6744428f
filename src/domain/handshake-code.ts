import type { ItemStatus } from "./item-status";

/**
 * Handshake codes are `{organizationId}-{suffix}` (DESIGN.md, "Handshake codes"). The suffix is
 * chosen by the admin and immutable once created.
 */
export const SUFFIX_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** A whole code: an organization id (no "-") and a suffix. */
export const HANDSHAKE_CODE_PATTERN = /^[A-Za-z0-9]{1,32}-[A-Za-z0-9_-]{1,64}$/;

export function handshakeCode(organizationId: string, suffix: string): string {
  return `${organizationId}-${suffix}`;
}

export function suffixProblem(suffix: string): string | null {
  return SUFFIX_PATTERN.test(suffix) ? null : "Use 1 to 64 letters, digits, '_' or '-'.";
}

export const NAME_MAX = 100;

/**
 * The session password is a shared secret that travels inside every app's license key
 * (DESIGN.md): printable text, so that it survives being pasted into source code and configs.
 */
export const SESSION_PASSWORD_MAX = 128;

export function sessionPasswordProblem(password: string): string | null {
  if (password.length === 0 || password.length > SESSION_PASSWORD_MAX) return `Use 1 to ${SESSION_PASSWORD_MAX} characters.`;
  if (/[\u0000-\u001f\u007f]/.test(password)) return "Use printable characters only (no tabs or line breaks).";
  if (password.trim() !== password) return "Leave out spaces at the start and the end: they are easy to lose when the key is pasted.";
  return null;
}

/**
 * Validation fields (PROTOCOL.md, codes 103 and 114): when a list is not empty, a request must
 * name one of its values. Website domains also admit their subdomains.
 */
export const VALIDATION_KINDS = ["domains", "appIds", "processNames"] as const;
export type ValidationKind = (typeof VALIDATION_KINDS)[number];
export type ValidationFields = Record<ValidationKind, string[]>;
export const VALIDATION_VALUES_MAX = 50;

const HOST_LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const DOMAIN_PATTERN = new RegExp(`^(?=.{1,253}$)${HOST_LABEL}(?:\\.${HOST_LABEL})*$`);
const APP_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

/** The problem with one value of a validation list, or null. Domains are compared in lower case. */
export function validationValueProblem(kind: ValidationKind, value: string): string | null {
  switch (kind) {
    case "domains":
      return DOMAIN_PATTERN.test(value) ? null : `"${value}" is not a domain: enter a host name such as app.example.com (no scheme, port or path); its subdomains are allowed too.`;
    case "appIds":
      return APP_ID_PATTERN.test(value) ? null : `"${value}" is not an application id: use letters, digits, '.', '_' or '-', such as com.example.scanner.`;
    case "processNames":
      return value.length <= 255 && !/[\u0000-\u001f\u007f/\\]/.test(value) ? null : `"${value}" is not a process name: give the executable's file name without its folder, such as Scanner.exe.`;
  }
}

/** Normalizes a list as stored: trimmed, domains lower-cased, empty and repeated values dropped. */
export function normalizeValidationList(kind: ValidationKind, values: readonly string[]): string[] {
  const cleaned = values.map((v) => (kind === "domains" ? v.trim().toLowerCase() : v.trim())).filter((v) => v !== "");
  return [...new Set(cleaned)];
}

/** Items a code may be given: those that can still serve clients (not expired past grace, not revoked). */
export function isLinkable(status: ItemStatus): boolean {
  return status !== "expired" && status !== "revoked";
}

/** A code as the Configurations page, `lts codes` and the client API's admin side see it. */
export interface HandshakeCodeView {
  id: number;
  code: string;
  organizationId: string;
  suffix: string;
  name: string;
  isDefault: boolean;
  enabled: boolean;
  hasSessionPassword: boolean;
  validation: ValidationFields;
  /** The admin reordered the items; otherwise the default consumption order applies. */
  customOrder: boolean;
  /** Linked items in consumption order. */
  items: { rowId: number; itemId: string; description: string; status: ItemStatus; expiresAt: Date }[];
  /** Distinct devices the code has granted an item to. */
  deviceCount: number;
  /**
   * The string an app developer pastes into the app (PROTOCOL.md, "License key string"); null
   * when the session password cannot be decrypted with this instance key (set it again).
   */
  licenseKey: string | null;
  createdAt: Date;
  updatedAt: Date;
}
