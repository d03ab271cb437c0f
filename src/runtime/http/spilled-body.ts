import { createReadStream } from 'node:fs';
import type { Transform, Writable } from 'node:stream';
import { discardSpilledBody } from '../php/spilled-body-fd.js';

/**
 * Streams the rest of a complete response from the unnamed temp file PHP spilled it to
 * (native/http/spill_file.h) into `destination`, reading only as fast as the client takes it, so a
 * slow client holds at most a read buffer of memory. The file is closed at the end, or when the
 * connection goes first. `done(true)` once every byte was handed to the destination. With `encoder`, the file's
 * bytes pass through it (a compressed response) on their way.
 */
export function sendSpilledBody(
  fd: number,
  destination: Writable,
  end: boolean,
  done: (complete: boolean) => void,
  encoder: Transform | null = null,
): void {
  if (destination.destroyed) {
    discardSpilledBody(fd);
    return done(false);
  }
  const file = createReadStream('', { fd, start: 0, autoClose: true });
  let settled = false;
  const settle = (complete: boolean) => {
    if (settled) return;
    settled = true;
    destination.off('close', onClose);
    done(complete);
  };
  const onClose = () => {
    file.destroy();
    encoder?.destroy();
    settle(false);
  };
  const onError = () => {
    destination.destroy();
    settle(false);
  };
  destination.once('close', onClose);
  file.once('error', onError);
  if (!encoder) {
    file.once('end', () => settle(true));
    file.pipe(destination, { end });
    return;
  }
  encoder.once('error', onError);
  encoder.once('end', () => settle(true));
  file.pipe(encoder).pipe(destination, { end });
}
