export * from "./server-urls";
export * from "./set-server-urls";
