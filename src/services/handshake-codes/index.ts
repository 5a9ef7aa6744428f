export * from "./code-items";
export * from "./ensure-handshake-code";
