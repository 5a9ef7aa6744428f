import type { Hono } from "hono";
import type { Deps } from "../../deps";
import { AppError } from "../../domain/errors";
import type { AppEnv } from "../env";

/**   GET /static/:name   embedded assets; URLs with ?v=<hash> are cached for a year */
export function registerStaticRoutes(app: Hono<AppEnv>, deps: Deps) {
  app.get("/static/:name", (c) => {
    const file = deps.assets.files.get(c.req.param("name"));
    if (!file) throw new AppError("NOT_FOUND", "No such file.");
    c.header("ETag", file.etag);
    c.header("Cache-Control", c.req.query("v") ? "public, max-age=31536000, immutable" : "no-cache");
    if (c.req.header("if-none-match") === file.etag) return c.body(null, 304);
    c.header("Content-Type", file.type);
    return c.body(file.body);
  });
}
