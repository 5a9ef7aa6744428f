import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { AppError } from "./domain/errors";
import type { Deps } from "./deps";
import type { AppEnv } from "./http/env";
import { errorHandler, notFoundHandler } from "./http/errors";
import { csrfProtection } from "./http/middleware/csrf";
import { requestContext } from "./http/middleware/request-context";
import { requireAdmin } from "./http/middleware/require-admin";
import { securityHeaders } from "./http/middleware/security-headers";
import { loadSession } from "./http/middleware/session";
import { registerAuthRoutes } from "./http/routes/auth";
import { registerChangePasswordRoutes } from "./http/routes/change-password";
import { registerHealthRoutes } from "./http/routes/health";
import { registerHomeRoutes } from "./http/routes/home";
import { registerStaticRoutes } from "./http/routes/static";

/** Portal form bodies are small; larger uploads get their own limit on their route. */
export const FORM_BODY_LIMIT = 64 * 1024;

/**
 * The whole HTTP application, built from its dependencies. No I/O happens here: tests call it
 * with an in-memory world and drive it with app.request().
 */
export function createApp(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false }).basePath(deps.settings.basePath || "/");
  app.onError(errorHandler(deps));
  app.notFound(notFoundHandler(deps));

  app.use(requestContext(deps.logger, deps.settings.trustProxy));
  app.use(securityHeaders(deps.settings.tls));
  app.use(
    bodyLimit({
      maxSize: FORM_BODY_LIMIT,
      onError: () => {
        throw new AppError("PAYLOAD_TOO_LARGE", `The request body is larger than ${FORM_BODY_LIMIT / 1024} KiB.`);
      },
    }),
  );
  registerHealthRoutes(app, deps);
  registerStaticRoutes(app, deps);

  app.use(loadSession(deps));
  app.use(csrfProtection({ trustProxy: deps.settings.trustProxy, anonymousToken: deps.anonymousCsrfToken }));
  app.use(requireAdmin(deps));
  registerAuthRoutes(app, deps);
  registerHomeRoutes(app, deps);
  registerChangePasswordRoutes(app, deps);
  return app;
}
