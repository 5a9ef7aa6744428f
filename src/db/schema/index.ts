export * from "./admin";
export * from "./audit-events";
export * from "./handshake-codes";
export * from "./instance";
export * from "./licenses";
export * from "./machine-identity";
export * from "./sessions";
