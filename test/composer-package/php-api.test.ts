import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, getJson, repoRoot, startServer, type RunningServer } from '../helpers/ephpm-server.js';

// The PHP API is declared once, in native/**/*.stub.php; scripts/generate-arginfo.sh turns each stub into the
// *_arginfo.h the addon registers from, and composer-package/ repeats the worker-facing part for plain php (the
// functions in src/runtime-functions.php, the classes as src/*.php). Reflection describes all three the same way
// (test/fixtures/php-api/describe.php), and they must agree.

/** Classes no code meets outside ephpm (only the runtime makes Tables; only Tables and their strong() views throw these), so no copy. */
const RUNTIME_ONLY_CLASSES = [
  'Ephpm\\Octane\\Table',
  'Ephpm\\Octane\\TableException',
  'Ephpm\\Octane\\InvalidTableArgument',
  'Ephpm\\Octane\\ValueTooLargeForColumnException',
];
/** Functions directly in this namespace are what worker scripts call; Cluster\ (StrongTable's) and Testing\ run only under ephpm. */
const WORKER_NAMESPACE = 'Ephpm\\Octane\\';

interface Api {
  functions: Record<string, unknown>;
  classes: Record<string, unknown>;
}

const native = join(repoRoot, 'native');
const composerSrc = join(repoRoot, 'composer-package', 'src');

function stubFiles(dir = native): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'build' ? [] : stubFiles(path);
    return entry.name.endsWith('.stub.php') ? [path] : [];
  });
}

function describeWithPhp(script: string, args: string[]): Api {
  return JSON.parse(execFileSync('php', [fixture('php-api', script), ...args], { encoding: 'utf8' })) as Api;
}

function pick<T>(record: Record<string, T>, keep: (name: string) => boolean): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([name]) => keep(name)));
}

/** The same names, then each one's description, so that a failure names the function or class that differs. */
function expectSame(actual: Record<string, unknown>, declared: Record<string, unknown>, where: string): void {
  expect(Object.keys(actual).sort(), `what ${where} has, against what the stubs declare`).toEqual(Object.keys(declared).sort());
  for (const [name, description] of Object.entries(declared)) {
    expect.soft(actual[name], `${name} in ${where} (the stubs declare it as expected)`).toEqual(description);
  }
}

describe('the PHP API: stubs, the embedded runtime and composer-package agree', () => {
  const stubs = stubFiles();
  let declared: Api;
  let server: RunningServer;

  beforeAll(async () => {
    declared = describeWithPhp('describe-stubs.php', stubs);
    server = await startServer(['--worker', fixture('php-api', 'describe-runtime.php'), '--workers', '1'], {
      env: { EPHPM_TABLE_TEST_HOOKS: '1' },
    });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it.each(stubs.map((stub) => [relative(repoRoot, stub)]))('%s has an up-to-date header (else: bash scripts/generate-arginfo.sh)', (stub) => {
    const header = join(repoRoot, stub.replace(/\.stub\.php$/, '_arginfo.h'));
    expect(existsSync(header), `${relative(repoRoot, header)} is missing`).toBe(true);
    const source = readFileSync(join(repoRoot, stub), 'utf8').replace(/\r\n/g, '\n');
    const recorded = /\* Stub hash: ([0-9a-f]+) \*/.exec(readFileSync(header, 'utf8'))?.[1];
    expect(recorded, `${relative(repoRoot, header)} was generated from another version of ${stub}`).toBe(createHash('sha1').update(source).digest('hex'));
  });

  it('the runtime registers exactly what the stubs declare, with the same signatures', async () => {
    const registered = await getJson<Api>(server.url);
    expect(Object.keys(declared.functions).length).toBeGreaterThan(0);
    expectSame(registered.functions, declared.functions, 'the runtime');
    expectSame(registered.classes, declared.classes, 'the runtime');
  });

  it("runtime-functions.php repeats every worker function's signature, and defines nothing else", () => {
    const fallbacks = describeWithPhp('describe-fallbacks.php', [composerSrc]);
    const workerFunctions = pick(declared.functions, (name) => name.startsWith(WORKER_NAMESPACE) && !name.slice(WORKER_NAMESPACE.length).includes('\\'));
    expectSame(fallbacks.functions, workerFunctions, 'composer-package/src/runtime-functions.php');
  });

  it("composer-package's copies of the runtime's classes match the stubs", () => {
    const classes = Object.keys(declared.classes);
    const copies = describeWithPhp('describe-fallbacks.php', [composerSrc, ...classes]).classes;
    expectSame(copies, pick(declared.classes, (name) => !RUNTIME_ONLY_CLASSES.includes(name)), 'composer-package/src/');
  });
});
