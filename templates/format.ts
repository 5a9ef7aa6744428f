// Formatting for people, shared by the views.

/** "3 d 4 h", "5 h 12 min", "42 s": an uptime an admin reads at a glance. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min`;
  return `${s} s`;
}

/** "1.5 MB": binary sizes in decimal units, as file managers show them. */
export function formatBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes, unit = 0;
  while (value >= 1000 && unit < units.length - 1) (value /= 1000), unit++;
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** "2026-12-01 14:03:09": a UTC time to the second (the pages say once that times are UTC). */
export function formatUtc(at: Date): string {
  return at.toISOString().slice(0, 19).replace("T", " ");
}
