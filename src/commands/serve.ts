import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { serve } from '../runtime/serve.js';

export default class Serve extends BaseCommand {
  static override description = 'Serve a PHP app from worker processes that embed PHP in-process.';

  static override examples = [
    '<%= config.bin %> serve --worker worker.php',
    '<%= config.bin %> serve --worker worker.php --root ./my-app --port 8080 --workers 4',
    'EPHPM_PORT=9000 <%= config.bin %> serve --worker worker.php --log-format json',
  ];

  static override flags = {
    host: Flags.string({ description: 'Address to listen on', env: 'EPHPM_HOST' }),
    port: Flags.integer({ description: 'Port to listen on (0 = any free port)', env: 'EPHPM_PORT', min: 0, max: 65535 }),
    workers: Flags.integer({ description: 'Worker processes (default: number of CPUs)', env: 'EPHPM_WORKERS', min: 1 }),
    'max-requests': Flags.integer({ description: 'Replace a worker process after it served this many requests (0 = never)', env: 'EPHPM_MAX_REQUESTS', min: 0 }),
    worker: Flags.string({ description: 'PHP worker script: a loop over \\Ephpm\\Octane\\take_request()', env: 'EPHPM_WORKER' }),
    root: Flags.string({ description: 'App directory; static files are served from its public/ folder', env: 'EPHPM_ROOT' }),
    config: Flags.string({ description: 'Path to ephpm.toml (default: <root>/ephpm.toml)', env: 'EPHPM_CONFIG' }),
    'request-timeout': Flags.integer({ description: 'Seconds PHP may take to start answering (504 after that)', env: 'EPHPM_REQUEST_TIMEOUT', min: 1 }),
    'max-body-size': Flags.string({ description: 'Largest request body accepted, e.g. 32M (413 above)', env: 'EPHPM_MAX_BODY_SIZE' }),
    'queue-size': Flags.integer({ description: 'Requests a worker queues while PHP is busy (503 above)', env: 'EPHPM_QUEUE_SIZE', min: 1 }),
    'state-file': Flags.string({ description: 'Where the running server records its pids, host and port', env: 'EPHPM_STATE_FILE' }),
    'log-format': Flags.string({ description: 'Log lines for humans or one JSON object per line', env: 'EPHPM_LOG_FORMAT', options: ['human', 'json'] }),
    'access-log': Flags.boolean({ description: 'Log every request (--no-access-log to turn off)', allowNo: true, env: 'EPHPM_ACCESS_LOG' }),
    'task-workers': Flags.integer({ description: 'Task worker processes for Ephpm\\Octane\\run_tasks() (default: 0, none)', env: 'EPHPM_TASK_WORKERS', min: 0, max: 64 }),
    'task-queue-size': Flags.integer({ description: 'Tasks a busy task worker holds before TaskQueueFull (default: 256)', env: 'EPHPM_TASK_QUEUE_SIZE', min: 0 }),
    tick: Flags.boolean({ description: 'Run a tick worker fed by Ephpm\\Octane\\take_tick() once a second (--no-tick to turn off)', allowNo: true, env: 'EPHPM_TICK' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Serve);
    const code = await serve({
      host: flags.host,
      port: flags.port,
      workers: flags.workers,
      maxRequests: flags['max-requests'],
      worker: flags.worker,
      root: flags.root,
      config: flags.config,
      requestTimeout: flags['request-timeout'],
      maxBodySize: flags['max-body-size'],
      queueSize: flags['queue-size'],
      stateFile: flags['state-file'],
      logFormat: flags['log-format'] as 'human' | 'json' | undefined,
      accessLog: flags['access-log'],
      taskWorkers: flags['task-workers'],
      taskQueueSize: flags['task-queue-size'],
      tick: flags.tick,
    });
    this.exit(code);
  }
}
