import type { ServiceContext } from "../services/context";
import type { ActiveSession } from "../services/sessions";

/** What middleware puts on the Hono context for the handlers after it. */
export interface AppEnv {
  Variables: {
    requestId: string;
    /** The client's address (the proxy's X-Forwarded-For only with --trust-proxy). */
    ip: string | null;
    session: ActiveSession | null;
    /** What the portal's service verbs run with: this request's actor (admin or anonymous, and its ip). */
    ctx: ServiceContext;
  };
  Bindings: {
    /** Bun's server, passed by Bun.serve as the fetch handler's second argument. */
    requestIP?: (request: Request) => { address: string } | null;
  };
}
