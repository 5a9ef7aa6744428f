import { afterAll } from "bun:test";
import { removeTempDirs } from "./helpers/temp";

// Every test runs in UTC, whatever the machine says.
process.env.TZ = "UTC";

afterAll(removeTempDirs);
