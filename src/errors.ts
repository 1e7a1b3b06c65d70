/**
 * Exit codes of the infra-lab command line, documented in the README.
 * Commands throw an ExitError; only the entry file turns it into process.exitCode.
 */
export const ExitCode = {
  ok: 0,
  /** The operation ran and failed: a service never became healthy, an expectation was not met. */
  failed: 1,
  /** Bad input or usage: a lab file that does not validate, an unknown lab or component. */
  usage: 2,
  /** The environment lacks something: no Docker engine, no compose, an image that cannot be had. */
  environment: 3,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class ExitError extends Error {
  constructor(
    message: string,
    readonly code: ExitCodeValue,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ExitError';
  }
}

export const usageError = (message: string) => new ExitError(message, ExitCode.usage);
export const environmentError = (message: string, cause?: unknown) =>
  new ExitError(message, ExitCode.environment, { cause });
export const failure = (message: string, cause?: unknown) => new ExitError(message, ExitCode.failed, { cause });
