export * from "./list-audit-events";
export * from "./record-audit-event";
