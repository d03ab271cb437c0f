import kleur from 'kleur';

export type LogFormat = 'human' | 'json';

// The reader of this process's output (php artisan octane:start, a pipe) may be gone while requests are still being
// finished: a write then fails with EPIPE, which must not end the process. Other write errors stay fatal.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

/** Log lines of a worker or the supervisor, human-readable or one JSON object per line. */
export class Logger {
  constructor(
    private readonly format: LogFormat,
    private readonly source = `${process.pid}`,
  ) {}

  /** The access log's text line (http/access-log.ts writes the JSON one). */
  request(method: string, url: string, status: number, durationMs: number): void {
    const colour = status >= 500 ? kleur.red : status >= 400 ? kleur.yellow : status >= 300 ? kleur.cyan : kleur.green;
    process.stdout.write(
      `${kleur.dim(clock())} ${colour(String(status))} ${method.padEnd(6)} ${url} ${kleur.dim(`${round(durationMs)} ms`)}\n`,
    );
  }

  info(message: string, fields: Record<string, unknown> = {}): void {
    this.line('info', message, fields, process.stdout);
  }

  warn(message: string, fields: Record<string, unknown> = {}): void {
    this.line('warn', message, fields, process.stderr);
  }

  error(message: string, fields: Record<string, unknown> = {}): void {
    this.line('error', message, fields, process.stderr);
  }

  /** Something PHP logged (errors) or printed outside any request. */
  php(message: string, fromOutput: boolean): void {
    const text = message.replace(/\s+$/, '');
    if (this.format === 'json') {
      process.stderr.write(
        JSON.stringify({
          type: fromOutput ? 'php-output' : 'php-log',
          time: new Date().toISOString(),
          worker: process.pid,
          message: text,
        }) + '\n',
      );
      return;
    }
    const label = fromOutput ? kleur.dim('php output') : kleur.magenta('php');
    process.stderr.write(`${kleur.dim(clock())} ${label} ${kleur.dim(`[${this.source}]`)} ${text}\n`);
  }

  private line(
    level: 'info' | 'warn' | 'error',
    message: string,
    fields: Record<string, unknown>,
    stream: NodeJS.WriteStream,
  ): void {
    if (this.format === 'json') {
      stream.write(
        JSON.stringify({ type: level, time: new Date().toISOString(), pid: process.pid, message, ...fields }) + '\n',
      );
      return;
    }
    const tag = level === 'info' ? kleur.blue('ephpm') : level === 'warn' ? kleur.yellow('ephpm') : kleur.red('ephpm');
    stream.write(`${kleur.dim(clock())} ${tag} ${message}\n`);
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

export function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}
