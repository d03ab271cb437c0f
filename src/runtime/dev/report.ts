import kleur from 'kleur';
import type { LogFormat } from '../logger.js';
import { clock } from '../logger.js';

const NAMED_FILES = 3;

/** What `ephpm dev` prints about watching and restarting, for humans or as JSON lines. */
export class DevReport {
  constructor(private readonly format: LogFormat) {}

  watching(paths: string[], pollIntervalMs: number | null): void {
    if (this.format === 'json')
      return this.json(process.stdout, 'dev-watching', { paths, poll: pollIntervalMs !== null });
    const how = pollIntervalMs === null ? '' : ` (polling every ${pollIntervalMs} ms)`;
    this.human(
      process.stdout,
      kleur.blue('ephpm'),
      `watching ${paths.join(', ')} for changes${how}; a change restarts the PHP workers`,
    );
  }

  /** `files` is empty for a restart asked for by `ephpm reload`. */
  restarted(files: string[], durationMs: number): void {
    const ms = Math.round(durationMs);
    if (this.format === 'json')
      return this.json(process.stdout, 'dev-restart', { files, trigger: trigger(files), durationMs: ms });
    this.human(process.stdout, kleur.cyan('↻'), `${cause(files)} — workers restarted in ${ms} ms`);
  }

  /** A change during a restart: it gets a restart of its own once the current one ends. */
  queued(files: string[]): void {
    if (this.format === 'json') return this.json(process.stdout, 'dev-change-queued', { files });
    this.human(
      process.stdout,
      kleur.cyan('↻'),
      `${kleur.bold(summary(files))} changed during a restart — restarting again once it is done`,
    );
  }

  /**
   * The new code did not boot: the PHP error, and what is served meanwhile (the previous code, or
   * when there is none, a 503 page with the error).
   */
  failed(files: string[], error: string, showingError: boolean): void {
    if (this.format === 'json')
      return this.json(process.stderr, 'dev-restart-failed', { files, trigger: trigger(files), error, showingError });
    const meanwhile = showingError ? SHOWING_ERROR : 'still serving the previous code; the next change tries again';
    this.human(
      process.stderr,
      kleur.red('✖'),
      `${cause(files)} — the new code failed to boot:\n${kleur.red(indent(error))}\n  ${meanwhile}`,
    );
  }

  /** `ephpm dev` started on code that does not boot: it keeps watching and shows the error. */
  startFailed(error: string): void {
    if (this.format === 'json') return this.json(process.stderr, 'dev-boot-failed', { error });
    this.human(
      process.stderr,
      kleur.red('✖'),
      `the app failed to boot:\n${kleur.red(indent(error))}\n  ${SHOWING_ERROR}`,
    );
  }

  /** Settings are read once, at start: say so rather than serve with a config that is not the file's. */
  configChanged(file: string, error: string | null): void {
    if (this.format === 'json') return this.json(process.stderr, 'dev-config-changed', { file, error });
    const apply =
      'stop and start ephpm dev again to apply it (settings are read at start; the workers were not restarted)';
    const message =
      error === null
        ? `${kleur.bold(file)} changed — ${apply}`
        : `${kleur.bold(file)} changed and is not valid:\n${kleur.red(indent(error))}\n  fix it, then ${apply}`;
    this.human(process.stderr, kleur.yellow('⚠'), message);
  }

  watcherError(error: Error): void {
    const hint =
      (error as NodeJS.ErrnoException).code === 'ENOSPC'
        ? ' (out of inotify watches: raise fs.inotify.max_user_watches, or use --poll)'
        : '';
    if (this.format === 'json')
      return this.json(process.stderr, 'dev-watch-error', { error: `${error.message}${hint}` });
    this.human(process.stderr, kleur.yellow('ephpm'), `the file watcher reported: ${error.message}${hint}`);
  }

  private human(stream: NodeJS.WriteStream, tag: string, message: string): void {
    stream.write(`${kleur.dim(clock())} ${tag} ${message}\n`);
  }

  private json(stream: NodeJS.WriteStream, type: string, fields: Record<string, unknown>): void {
    stream.write(JSON.stringify({ type, time: new Date().toISOString(), ...fields }) + '\n');
  }
}

const SHOWING_ERROR = 'requests get a 503 that shows this error until a change fixes the code';

function indent(text: string): string {
  return text
    .replace(/\s+$/, '')
    .split('\n')
    .map((line) => (line.trim() === '' ? '' : `    ${line}`))
    .join('\n');
}

function trigger(files: string[]): 'change' | 'reload' {
  return files.length === 0 ? 'reload' : 'change';
}

/** What started a restart: `routes/web.php changed`, or `ephpm reload`. */
function cause(files: string[]): string {
  return files.length === 0 ? kleur.bold('ephpm reload') : `${kleur.bold(summary(files))} changed`;
}

/** `a.php`; `a.php, b.php and c.php`; `a.php, b.php, c.php and 4 more files`. */
function summary(files: string[]): string {
  if (files.length === 1) return files[0]!;
  if (files.length <= NAMED_FILES) return `${files.slice(0, -1).join(', ')} and ${files.at(-1)}`;
  const more = files.length - NAMED_FILES;
  return `${files.slice(0, NAMED_FILES).join(', ')} and ${more} more file${more === 1 ? '' : 's'}`;
}
