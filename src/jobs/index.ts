export * from "./scheduler";
export * from "./housekeeping";
export * from "./machine-watch";
export * from "./rollup-retention";
