import { relative } from 'node:path';
import type { Database } from './app-files.js';
import type { LeftOutTool } from './composer-problems.js';
import { addBackStep } from './left-out.js';

/** The numbered "What's next" the scaffolder ends with. */
export function whatsNext(options: {
  dir: string;
  cwd: string;
  database?: Database;
  example: boolean;
  warnings: string[];
  leftOut?: LeftOutTool[];
}): string {
  const steps: string[] = [];
  const where = relative(options.cwd, options.dir);
  if (where !== '') steps.push(`cd ${where.includes(' ') ? JSON.stringify(where) : where}`);
  for (const warning of options.warnings) steps.push(warning.replace(/\n/g, '\n   '));
  if (options.database && options.database !== 'sqlite')
    steps.push('Set DB_HOST, DB_DATABASE, DB_USERNAME and DB_PASSWORD in .env, then: php artisan migrate');
  steps.push(
    `npx ephpm serve   (or: php artisan octane:start)\n   then open http://127.0.0.1:8000${options.example ? ' and http://127.0.0.1:8000/ephpm-example' : ''}`,
  );
  steps.push('npx ephpm dev     serves, and restarts the workers when code changes');
  steps.push('npx ephpm doctor  checks PHP, the runtime and the app');
  for (const tool of options.leftOut ?? []) steps.push(addBackStep(tool));
  return steps.map((step, index) => `${index + 1}. ${step}`).join('\n');
}
