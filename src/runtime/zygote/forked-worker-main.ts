// What a process forked by the PHP zygote runs when the worker's main module did not fit in the zygote's argv
// (native/zygote/zygote.cc, run_worker_entry): it imports it, named by the environment. In the zygote itself this
// runs only when the addon was not preloaded: it says so.
import { pathToFileURL } from 'node:url';
import { WORKER_ENTRY_ENV, ZYGOTE_LISTEN_ENV } from './zygote-env.js';

const entry = process.env[WORKER_ENTRY_ENV];
if (process.env[ZYGOTE_LISTEN_ENV] || !entry) {
  process.stdout.write(`failed: the addon was not preloaded (LD_PRELOAD), so PHP did not start before Node\n`);
  process.exit(1);
}
delete process.env[WORKER_ENTRY_ENV];
process.argv[1] = entry;
await import(pathToFileURL(entry).href);
