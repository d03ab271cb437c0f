import type busboy from 'busboy';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { EphpmError, isEphpmError } from '../errors.js';
import { bodyTooLarge, type RequestBody } from './request-body-value.js';
import { onFirstUse } from './on-first-use.js';
import { createTempFile, removeTempFiles } from './temp-files.js';

const loadBusboy = onFirstUse<typeof busboy>('busboy');

// PHP's UPLOAD_ERR_* values Node decides; the PHP thread adds the ones that
// depend on php.ini (native/php/uploads.cc).
const UPLOAD_ERR_NO_FILE = 4;
const UPLOAD_ERR_NO_TMP_DIR = 6;
const UPLOAD_ERR_CANT_WRITE = 7;

interface FieldPart {
  isFile: false;
  name: string;
  value: string;
}

interface FilePart {
  isFile: true;
  name: string;
  /** As the client sent it, path included (PHP's full_path; the PHP thread takes the basename). */
  filename: string;
  type: string;
  path: string;
  size: number;
  error: number;
}

type Part = FieldPart | FilePart;

export function malformedForm(reason: string): EphpmError {
  return new EphpmError('EPHPM_BAD_FORM', `the multipart/form-data body is malformed (${reason}).`);
}

/**
 * Parses a multipart/form-data body with busboy as it arrives: fields are kept
 * in memory, each file streams into its own temp file and is never held in
 * memory. On any failure (malformed body, over `maxBytes`, client gone) every
 * file written so far is removed before the promise rejects.
 */
export async function readMultipartForm(request: IncomingMessage, maxBytes: number): Promise<RequestBody> {
  let parser: busboy.Busboy;
  try {
    // latin1: one char per byte, so names and values reach PHP as the bytes sent.
    parser = loadBusboy()({
      headers: request.headers,
      defCharset: 'latin1',
      defParamCharset: 'latin1',
      preservePath: true,
      limits: { fieldSize: Infinity },
    });
  } catch (error) {
    throw malformedForm((error as Error).message);
  }
  const parts: Part[] = [];
  const tempFiles: string[] = [];
  const outputs: WriteStream[] = [];
  const pending: Array<Promise<unknown>> = [];

  parser.on('field', (name, value) => parts.push({ isFile: false, name: binary(name), value: binary(value) }));
  parser.on('file', (name, stream, info) => {
    stream.on('error', () => undefined); // busboy destroys it with the parser's error, handled below
    const part: FilePart = {
      isFile: true,
      name: binary(name ?? ''),
      filename: binary(info.filename ?? ''),
      type: binary(info.mimeType),
      path: '',
      size: 0,
      error: 0,
    };
    const index = parts.push(part) - 1;
    if (info.filename === undefined) return pending.push(unnamedFile(stream, part, (field) => (parts[index] = field)));
    let temp;
    try {
      temp = createTempFile();
    } catch {
      part.error = UPLOAD_ERR_NO_TMP_DIR;
      return stream.resume();
    }
    tempFiles.push(temp.path);
    part.path = temp.path;
    const output = createWriteStream(temp.path, { fd: temp.fd });
    outputs.push(output);
    output.on('error', () => {
      part.error = UPLOAD_ERR_CANT_WRITE;
      stream.unpipe(output);
      stream.resume();
    });
    stream.on('data', (chunk: Buffer) => (part.size += chunk.length));
    stream.pipe(output);
    pending.push(new Promise<void>((resolve) => output.once('close', () => resolve())));
  });

  let size = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      done(size > maxBytes ? bodyTooLarge(maxBytes) : null, chunk);
    },
  });
  try {
    await pipeline(request, limit, parser);
    await Promise.all(pending);
  } catch (error) {
    for (const output of outputs) output.destroy();
    removeTempFiles(tempFiles);
    // Errors without a code are busboy's verdict on the body; the others are the client's connection.
    if (isEphpmError(error) || (error as NodeJS.ErrnoException).code !== undefined) throw error;
    throw malformedForm((error as Error).message);
  }
  return { buffer: null, file: null, size, form: flatten(parts), tempFiles };
}

// busboy calls a part a file when it has a filename or the type
// application/octet-stream. An empty filename is a file input left empty
// (PHP: UPLOAD_ERR_NO_FILE); a part with content and no filename is a field to PHP.
async function unnamedFile(stream: Readable, part: FilePart, becomeField: (field: FieldPart) => void): Promise<void> {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  await finished(stream).catch(() => undefined);
  if (chunks.length === 0) {
    part.error = UPLOAD_ERR_NO_FILE;
    part.type = '';
  } else {
    becomeField({ isFile: false, name: part.name, value: Buffer.concat(chunks).toString('latin1') });
  }
}

/** [isFile, name, value, type, path, size, error] per part, as native/node/php_napi.cc reads them. */
function flatten(parts: Part[]): Array<string | number> {
  const flat: Array<string | number> = [];
  for (const part of parts) {
    if (part.isFile) flat.push(1, part.name, part.filename, part.type, part.path, part.size, part.error);
    else flat.push(0, part.name, part.value, '', '', 0, 0);
  }
  return flat;
}

// busboy decoded as latin1 unless a part named its own charset (or used
// filename*=): then the text crosses as UTF-8 bytes.
function binary(text: string): string {
  return /[^\x00-\xff]/.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
}
