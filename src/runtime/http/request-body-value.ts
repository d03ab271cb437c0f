import { EphpmError } from '../errors.js';

/** A request body as read for PHP (request-body.ts, form-body.ts). */
export interface RequestBody {
  /** Small bodies, in memory. */
  buffer: Buffer | null;
  /** Large bodies, spooled to disk as they arrive. */
  file: string | null;
  size: number;
  /** multipart/form-data: fields and uploaded files, flattened for the addon (see form-body.ts); no buffer, no file. */
  form: Array<string | number> | null;
  /** What to remove after the response: the spooled body, the uploaded files. */
  tempFiles: readonly string[];
}

export const EMPTY_BODY: RequestBody = Object.freeze({ buffer: null, file: null, size: 0, form: null, tempFiles: [] });

export function bodyTooLarge(limit: number): EphpmError {
  return new EphpmError(
    'EPHPM_BODY_TOO_LARGE',
    `The request body is larger than the server's limit of ${limit} bytes.`,
    'Raise server.max_body_size in ephpm.toml (or --max-body-size).',
  );
}
