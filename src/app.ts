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
import { serviceContext } from "./http/middleware/service-context";
import { loadSession } from "./http/middleware/session";
import { ApiCounters } from "./http/api/v1/counters";
import { createApiRoutes } from "./http/api/v1/routes";
import { registerAlertHistoryRoutes } from "./http/routes/alert-history";
import { registerAuditLogRoutes } from "./http/routes/audit-log";
import { registerAuthRoutes } from "./http/routes/auth";
import { registerBackupRoutes } from "./http/routes/backups";
import { registerChangePasswordRoutes } from "./http/routes/change-password";
import { registerDeviceRoutes } from "./http/routes/devices";
import { registerEmailConfigRoutes } from "./http/routes/email-config";
import { registerGenerateUuidRoutes } from "./http/routes/generate-uuid";
import { registerHandshakeCodeRoutes } from "./http/routes/handshake-codes";
import { registerHealthRoutes } from "./http/routes/health";
import { registerHomeRoutes } from "./http/routes/home";
import { registerImportLicenseFileRoutes } from "./http/routes/import-license-file";
import { registerLicenseItemRoutes } from "./http/routes/license-items";
import { registerMetricsRoutes } from "./http/routes/metrics";
import { portalPath } from "./http/render";
import { registerStaticRoutes } from "./http/routes/static";
import { registerStatisticsRoutes } from "./http/routes/statistics";

/** Portal form bodies are small; a license file upload (1 MiB at most, MAX_LICENSE_FILE_BYTES) gets more. */
export const FORM_BODY_LIMIT = 64 * 1024;
const UPLOAD_BODY_LIMIT = 2 * 1024 * 1024;
const UPLOAD_PATHS = /^\/import-license-file(\/preview)?$/;

/**
 * The whole HTTP application, built from its dependencies. No I/O happens here: tests call it
 * with an in-memory world and drive it with app.request().
 */
export function createApp(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false }).basePath(deps.settings.basePath || "/");
  app.onError(errorHandler(deps));
  app.notFound(notFoundHandler(deps));

  app.use(requestContext(deps.logger, { trustProxy: deps.settings.trustProxy, tls: deps.settings.tls }));
  app.use(securityHeaders());
  // The client API answers every /api/v1 path itself (its own limits, CORS, signed errors), so
  // none of the portal's middleware below (body limit, session, CSRF, login) reaches it.
  const apiCounters = new ApiCounters();
  app.route("/api/v1", createApiRoutes(deps, apiCounters));

  const limit = (maxSize: number, what: string) =>
    bodyLimit({
      maxSize,
      onError: () => {
        throw new AppError("PAYLOAD_TOO_LARGE", `${what} is larger than ${maxSize / 1024} KiB: nothing was changed.`);
      },
    });
  const formLimit = limit(FORM_BODY_LIMIT, "The request");
  const uploadLimit = limit(UPLOAD_BODY_LIMIT, "The upload");
  app.use((c, next) => (UPLOAD_PATHS.test(portalPath(c, deps)) ? uploadLimit : formLimit)(c, next));
  registerHealthRoutes(app, deps);
  registerMetricsRoutes(app, deps, apiCounters);
  registerStaticRoutes(app, deps);

  app.use(loadSession(deps));
  app.use(serviceContext(deps));
  app.use(csrfProtection({ anonymousToken: deps.anonymousCsrfToken }));
  app.use(requireAdmin(deps));
  registerAuthRoutes(app, deps);
  registerHomeRoutes(app, deps);
  registerImportLicenseFileRoutes(app, deps);
  registerLicenseItemRoutes(app, deps);
  registerHandshakeCodeRoutes(app, deps);
  registerDeviceRoutes(app, deps);
  registerStatisticsRoutes(app, deps);
  registerChangePasswordRoutes(app, deps);
  registerGenerateUuidRoutes(app, deps);
  registerEmailConfigRoutes(app, deps);
  registerAlertHistoryRoutes(app, deps);
  registerBackupRoutes(app, deps);
  registerAuditLogRoutes(app, deps);
  return app;
}
