// The one error the CLI reports to its user: a message saying what is wrong and what to do.

/** A problem with the user's input; printed without a stack trace. */
export class CliError extends Error {
  /** Lines printed under the message (manifest pointers, build errors). */
  readonly details: readonly string[];

  constructor(message: string, details: readonly string[] = []) {
    super(message);
    this.name = 'CliError';
    this.details = details;
  }
}
