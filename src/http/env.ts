import type { ServiceContext } from "../services/context";
import type { ActiveSession } from "../services/sessions";

/** The X-Forwarded-Proto and -Host of a request that came through a trusted proxy. */
export interface Forwarded {
  proto: string | null;
  host: string | null;
}

/** What middleware puts on the Hono context for the handlers after it. */
export interface AppEnv {
  Variables: {
    requestId: string;
    /** The client's address: the peer, or, through a trusted proxy, the X-Forwarded-For client. */
    ip: string | null;
    /** The forwarded headers when the peer is a trusted proxy (--trust-proxy); null otherwise. */
    forwarded: Forwarded | null;
    /** The browser reached us over HTTPS: our own TLS, or a trusted proxy that says so. */
    https: boolean;
    session: ActiveSession | null;
    /** What the portal's service verbs run with: this request's actor (admin or anonymous, and its ip). */
    ctx: ServiceContext;
  };
  Bindings: {
    /** Bun's server, passed by Bun.serve as the fetch handler's second argument. */
    requestIP?: (request: Request) => { address: string } | null;
    /** Sets a request's idle timeout in seconds (0: none), in place of the server's. */
    timeout?: (request: Request, seconds: number) => void;
  };
}
