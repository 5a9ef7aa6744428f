import type { ServiceContext } from "../context";

/** What the verbs that change codes need: storage, time, who acts, and the key that seals session passwords. */
export type CodeWriter = Pick<ServiceContext, "db" | "clock" | "actor" | "instanceKey">;

/** What reading codes with their license keys needs: the instance key and where license keys point by default. */
export type CodeReader = Pick<ServiceContext, "db" | "clock" | "instanceKey" | "origin">;
