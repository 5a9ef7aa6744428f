// Evaluated by Bun at bundle time (imported `with { type: "macro" }`): the SQL in drizzle/ is
// inlined into the program, so `bun run`, `bun test` and the compiled binary migrate alike.
import { readMigrationFiles, type MigrationMeta } from "drizzle-orm/migrator";
import { join } from "node:path";

export function embeddedMigrations(): MigrationMeta[] {
  return readMigrationFiles({ migrationsFolder: join(import.meta.dir, "../../drizzle") });
}
