/** An error the user can fix: a stable code, what went wrong, and what to do. */
export class EphpmError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'EphpmError';
  }
}

export function isEphpmError(error: unknown): error is EphpmError {
  return error instanceof EphpmError;
}
