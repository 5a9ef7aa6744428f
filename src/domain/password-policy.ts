/**
 * The management password policy (OWASP ASVS 5.0 §6.2): at least 12 characters, at most 256 bytes,
 * no composition rules, never truncated, and not one of the most common passwords. Returns what is
 * wrong, or null when the password is acceptable.
 */
export const PASSWORD_MIN_CHARS = 12;
export const PASSWORD_MAX_BYTES = 256;

const COMMON = new Set([
  "123456789012", "1234567890123", "12345678901234", "123456789abc", "1q2w3e4r5t6y", "qwertyuiop12",
  "qwertyuiopas", "qwerty123456", "password1234", "password12345", "passwordpassword", "administrator",
  "adminadminadmin", "letmeinletmein", "iloveyou1234", "111111111111", "000000000000", "abcdefghijkl",
  "abc123abc123", "changemechangeme", "welcome12345", "p@ssw0rd1234", "passw0rd1234", "licenseserver",
]);

export function passwordProblem(password: string): string | null {
  if ([...password].length < PASSWORD_MIN_CHARS) return `Use at least ${PASSWORD_MIN_CHARS} characters (a few words make a strong, memorable password).`;
  if (new TextEncoder().encode(password).length > PASSWORD_MAX_BYTES) return `Use at most ${PASSWORD_MAX_BYTES} bytes.`;
  const lower = password.toLowerCase();
  if (COMMON.has(lower) || /^(.)\1+$/.test(password)) return "This password is too common; choose another.";
  return null;
}
