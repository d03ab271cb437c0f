import { isEphpmError } from '../../src/runtime/errors.js';

/** The EphpmError that `run` throws (fails the test when it throws nothing, or something else). */
export function refusal(run: () => unknown): { code: string; message: string; hint?: string } {
  try {
    run();
  } catch (error) {
    if (isEphpmError(error)) return { code: error.code, message: error.message, hint: error.hint };
    throw error;
  }
  throw new Error('expected an EphpmError, but it was accepted');
}
