/**
 * Handshake codes are `{organizationId}-{suffix}` (DESIGN.md, "Handshake codes"). The suffix is
 * chosen by the admin and immutable once created.
 */
export const SUFFIX_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function handshakeCode(organizationId: string, suffix: string): string {
  return `${organizationId}-${suffix}`;
}

export function suffixProblem(suffix: string): string | null {
  return SUFFIX_PATTERN.test(suffix) ? null : "Use 1 to 64 letters, digits, '_' or '-'.";
}
