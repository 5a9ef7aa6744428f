export * from "./scheduler";
export * from "./housekeeping";
export * from "./machine-watch";
export * from "./alerts";
export * from "./outbox";
export * from "./backup";
export * from "./rollup-retention";
export * from "./clock-watch";
