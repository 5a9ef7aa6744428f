export * from "./admin";
export * from "./audit-events";
export * from "./instance";
export * from "./sessions";
