// drizzle-kit configuration: `npm run db:generate` writes a new migration into drizzle/ from
// the schema in src/db/schema. Commit the generated SQL and review it like code.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema/index.ts",
  out: "./drizzle",
});
