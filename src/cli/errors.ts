/** The command line does not fit (exit 2); the message says what to type instead. */
export class UsageError extends Error {}

/** The command was understood but refused, and nothing changed (exit 1); the message says why. */
export class CommandError extends Error {}
