import type { ServiceContext } from "../context";

/** What the password verbs need: storage, time, who acts, the password hasher and the throttle. */
export type AdminContext = Pick<ServiceContext, "db" | "clock" | "actor" | "hasher" | "throttle">;
