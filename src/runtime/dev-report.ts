import kleur from 'kleur';
import type { LogFormat } from './config.js';
import { clock } from './logger.js';

const NAMED_FILES = 3;

/** What `ephpm dev` prints about watching and restarting, for humans or as JSON lines. */
export class DevReport {
  constructor(private readonly format: LogFormat) {}

  watching(paths: string[], pollIntervalMs: number | null): void {
    if (this.format === 'json') return this.json(process.stdout, 'dev-watching', { paths, poll: pollIntervalMs !== null });
    const how = pollIntervalMs === null ? '' : ` (polling every ${pollIntervalMs} ms)`;
    this.human(process.stdout, kleur.blue('ephpm'), `watching ${paths.join(', ')} for changes${how}; a change restarts the PHP workers`);
  }

  restarted(files: string[], durationMs: number): void {
    const ms = Math.round(durationMs);
    if (this.format === 'json') return this.json(process.stdout, 'dev-restart', { files, durationMs: ms });
    this.human(process.stdout, kleur.cyan('↻'), `${kleur.bold(summary(files))} changed — workers restarted in ${ms} ms`);
  }

  /** A change during a restart: it gets a restart of its own once the current one ends. */
  queued(files: string[]): void {
    if (this.format === 'json') return this.json(process.stdout, 'dev-change-queued', { files });
    this.human(process.stdout, kleur.cyan('↻'), `${kleur.bold(summary(files))} changed during a restart — restarting again once it is done`);
  }

  /** The new code did not boot: the PHP error, and that the previous code is still being served. */
  failed(files: string[], error: string): void {
    if (this.format === 'json') return this.json(process.stderr, 'dev-restart-failed', { files, error });
    const indented = error.split('\n').map((line) => `    ${line}`).join('\n');
    this.human(
      process.stderr,
      kleur.red('✖'),
      `${kleur.bold(summary(files))} changed — the new code failed to boot:\n${kleur.red(indented)}\n  still serving the previous code; the next change tries again`,
    );
  }

  watcherError(error: Error): void {
    const hint = (error as NodeJS.ErrnoException).code === 'ENOSPC' ? ' (out of inotify watches: raise fs.inotify.max_user_watches, or use --poll)' : '';
    if (this.format === 'json') return this.json(process.stderr, 'dev-watch-error', { error: `${error.message}${hint}` });
    this.human(process.stderr, kleur.yellow('ephpm'), `the file watcher reported: ${error.message}${hint}`);
  }

  private human(stream: NodeJS.WriteStream, tag: string, message: string): void {
    stream.write(`${kleur.dim(clock())} ${tag} ${message}\n`);
  }

  private json(stream: NodeJS.WriteStream, type: string, fields: Record<string, unknown>): void {
    stream.write(JSON.stringify({ type, time: new Date().toISOString(), ...fields }) + '\n');
  }
}

/** `a.php`; `a.php, b.php and c.php`; `a.php, b.php, c.php and 4 more files`. */
function summary(files: string[]): string {
  if (files.length === 1) return files[0]!;
  if (files.length <= NAMED_FILES) return `${files.slice(0, -1).join(', ')} and ${files.at(-1)}`;
  const more = files.length - NAMED_FILES;
  return `${files.slice(0, NAMED_FILES).join(', ')} and ${more} more file${more === 1 ? '' : 's'}`;
}
