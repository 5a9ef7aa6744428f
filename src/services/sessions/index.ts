export * from "./create-session";
export * from "./end-sessions";
export * from "./resolve-session";
export * from "./session-policy";
