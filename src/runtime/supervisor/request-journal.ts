// The requests a worker had queued for PHP and PHP had not started, read from the file its bridge kept them in
// (native/http/request_journal.h) once the worker is gone: each goes, as bytes, with its connection to another worker.
import { closeSync, openSync, readdirSync, readSync, rmSync } from 'node:fs';
import { processExists } from '../ipc/parent-watch.js';

const DIRECTORY = '/dev/shm';
const MAGIC = 0x4a50484d;
const HEADER_BYTES = 64;
const SLOT_HEADER_BYTES = 16;
const PREFIX = `ephpm-journal-${process.getuid?.() ?? 0}-`;
let made = 0;

/** A new worker's journal file (the worker makes it; the supervisor reads and removes it once the worker is gone). */
export function newJournalPath(): string {
  return `${DIRECTORY}/${PREFIX}${process.pid}-${++made}`;
}

export interface UnstartedRequests {
  /** By the supervisor's connection id: the bytes of its queued requests, oldest first, to be parsed first. */
  byConnection: Map<number, Buffer>;
  /** The connection of the request PHP was running when the worker died (0: unknown): that answer comes first. */
  runningConnection: number;
}

export function readJournal(path: string): UnstartedRequests {
  const unstarted: UnstartedRequests = { byConnection: new Map(), runningConnection: 0 };
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return unstarted; // the worker never made it (no /dev/shm): its queued requests get a 502
  }
  try {
    const header = Buffer.alloc(32);
    if (readSync(fd, header, 0, header.length, 0) < header.length || header.readUInt32LE(0) !== MAGIC) return unstarted;
    const slots = header.readUInt32LE(4);
    const slotBytes = header.readUInt32LE(8);
    const taken = header.readBigUInt64LE(16);
    // The request PHP ran: the last taken, or one the native lane read, which the journal never holds.
    const running = header.readBigUInt64LE(24);
    const entries: Array<{ id: bigint; connection: number; bytes: Buffer }> = [];
    const meta = Buffer.alloc(SLOT_HEADER_BYTES);
    for (let i = 0; i < slots; i++) {
      const offset = HEADER_BYTES + i * slotBytes;
      readSync(fd, meta, 0, SLOT_HEADER_BYTES, offset);
      const id = meta.readBigUInt64LE(0);
      if (id === 0n || id < taken) continue;
      const connection = meta.readUInt32LE(8);
      if (id === taken) {
        if (running === taken) unstarted.runningConnection = connection;
        continue;
      }
      const bytes = Buffer.alloc(Math.min(meta.readUInt32LE(12), slotBytes - SLOT_HEADER_BYTES));
      readSync(fd, bytes, 0, bytes.length, offset + SLOT_HEADER_BYTES);
      entries.push({ id, connection, bytes });
    }
    entries.sort((a, b) => (a.id < b.id ? -1 : 1));
    for (const { connection, bytes } of entries) {
      const before = unstarted.byConnection.get(connection);
      unstarted.byConnection.set(connection, before ? Buffer.concat([before, bytes]) : bytes);
    }
    return unstarted;
  } finally {
    closeSync(fd);
  }
}

export function removeJournal(path: string): void {
  rmSync(path, { force: true });
}

/** Journals left by supervisors that were killed (their workers' files are nobody's now). */
export function sweepJournals(): void {
  let names: string[];
  try {
    names = readdirSync(DIRECTORY).filter((name) => name.startsWith(PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(name.slice(PREFIX.length).split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !processExists(pid))
      rmSync(`${DIRECTORY}/${name}`, { force: true });
  }
}
