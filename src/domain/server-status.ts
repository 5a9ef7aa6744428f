/** What the Home page tells the admin about the running server. */
export interface ServerStatus {
  version: string;
  startedAt: Date;
  now: Date;
  /** Where the server listens, e.g. "http://0.0.0.0:48080". */
  listening: string;
  dataDir: string;
  databaseBytes: number;
  activeSessions: number;
}

/** One line of the audit log as the portal shows it. */
export interface AuditEntry {
  id: number;
  at: Date;
  actor: string;
  action: string;
  ip: string | null;
  detail: string | null;
}
