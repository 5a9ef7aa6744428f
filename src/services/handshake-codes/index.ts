export * from "./ensure-handshake-code";
