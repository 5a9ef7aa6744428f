import type { ActiveSession } from "../services/sessions";

/** What middleware puts on the Hono context for the handlers after it. */
export interface AppEnv {
  Variables: {
    requestId: string;
    /** The client's address (the proxy's X-Forwarded-For only with --trust-proxy). */
    ip: string | null;
    session: ActiveSession | null;
  };
  Bindings: {
    /** Bun's server, passed by Bun.serve as the fetch handler's second argument. */
    requestIP?: (request: Request) => { address: string } | null;
  };
}
