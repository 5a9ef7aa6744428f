export * from "./read-email-config";
export * from "./save-email-config";
export * from "./send-test-email";
