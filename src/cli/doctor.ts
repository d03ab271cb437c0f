import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { resolveDevConfig, resolveServerConfig, resolveStateFile } from '../runtime/config/config.js';
import { isEphpmError } from '../runtime/errors.js';
import { nativePhp } from '../runtime/native/php-face.js';
import { isLaravelApp } from '../runtime/laravel/laravel-app.js';
import { phpMinorForHints } from '../runtime/native/php-config.js';
import { collectRuntimeInfo, type RuntimeInfo } from '../runtime/toolchain/runtime-info.js';
import { readStateFile, runningServerPid } from '../runtime/control/state-file.js';
import { portInUseHint } from '../runtime/supervisor/connection-balancer.js';
import type { Check } from './doctor-check.js';
import { laravelChecks } from './doctor-laravel.js';

export interface DoctorReport {
  ok: boolean;
  checks: Check[];
}

const LARAVEL_EXTENSIONS = [
  'mbstring',
  'xml',
  'dom',
  'curl',
  'sqlite3',
  'pdo_sqlite',
  'intl',
  'zip',
  'bcmath',
  'tokenizer',
  'ctype',
  'fileinfo',
  'openssl',
];
const EXTENSION_PACKAGE: Record<string, string> = { dom: 'xml', pdo_sqlite: 'sqlite3' };
const BUILT_IN = new Set(['tokenizer', 'ctype', 'fileinfo', 'openssl']);

export async function runDoctor(options: {
  root?: string;
  config?: string;
  port?: number;
  host?: string;
}): Promise<DoctorReport> {
  const addon = checkAddon();
  const embedded: Check[] = [];
  const info = addon.status === 'ok' ? await embeddedPhp(options, embedded) : null;
  const checks: Check[] = [checkNode(), checkPhpCli(info), addon, ...embedded];
  if (info) checks.push(checkExtensions(info), checkOpcache(info));
  const config = checkConfig(options, checks);
  if (config) checks.push(await checkPort(config.host, options.port ?? config.port, options));
  const root = options.root ?? '.';
  if (isLaravelApp(root)) checks.push(...(await laravelChecks(root, info)));
  else checks.push({ name: 'Laravel + Octane', status: 'skip', detail: 'not a Laravel app (no artisan here)' });
  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}

/** "8.2" of the embedded PHP, else of the PHP found: the version Debian's package names carry. */
function phpMinor(info: RuntimeInfo | null): string {
  return (info && /^\d+\.\d+/.exec(info.phpVersion)?.[0]) || phpMinorForHints();
}

function checkNode(): Check {
  const major = Number(process.versions.node.split('.')[0]);
  return major >= 20
    ? { name: 'Node.js', status: 'ok', detail: process.version }
    : {
        name: 'Node.js',
        status: 'fail',
        detail: `${process.version}; ephpm needs 20 or newer`,
        fix: 'Install Node.js 20 or newer',
      };
}

function checkPhpCli(info: RuntimeInfo | null): Check {
  const minor = phpMinor(info);
  try {
    const version = execFileSync('php', ['-r', 'echo PHP_VERSION;'], { encoding: 'utf8' }).trim();
    return version.startsWith(`${minor}.`)
      ? { name: 'PHP CLI', status: 'ok', detail: version }
      : {
          name: 'PHP CLI',
          status: 'warn',
          detail: `${version}; ephpm embeds PHP ${minor}, so artisan and the server may disagree`,
          fix: `sudo apt-get install -y php${minor}-cli`,
        };
  } catch {
    return {
      name: 'PHP CLI',
      status: 'fail',
      detail: 'php is not on PATH (artisan and Composer need it)',
      fix: `sudo apt-get install -y php${minor}-cli`,
    };
  }
}

function checkAddon(): Check {
  try {
    const build = nativePhp().buildInfo();
    return {
      name: 'native addon + libphp embed',
      status: 'ok',
      detail: `built against PHP ${build.phpVersion}, loads ${build.libphp ?? 'libphp'}`,
    };
  } catch (error) {
    return {
      name: 'native addon + libphp embed',
      status: 'fail',
      detail: (error as Error).message,
      fix: isEphpmError(error) ? error.hint : undefined,
    };
  }
}

async function embeddedPhp(options: { root?: string; config?: string }, checks: Check[]): Promise<RuntimeInfo | null> {
  try {
    const info = await collectRuntimeInfo(options);
    const stale = info.warnings.find((w) => w.includes('runtime:build'));
    checks.push(
      stale
        ? { name: 'embedded PHP', status: 'warn', detail: stale, fix: 'ephpm runtime:build' }
        : {
            name: 'embedded PHP',
            status: 'ok',
            detail: `PHP ${info.phpVersion}, ${info.extensions.length} extensions, ini ${info.iniFile ?? 'none'}`,
          },
    );
    return info;
  } catch (error) {
    checks.push({
      name: 'embedded PHP',
      status: 'fail',
      detail: (error as Error).message,
      fix: isEphpmError(error) ? (error.hint ?? 'ephpm runtime:build') : 'ephpm runtime:build',
    });
    return null;
  }
}

function checkExtensions(info: RuntimeInfo): Check {
  const loaded = new Set(info.extensions.map((e) => e.toLowerCase()));
  const missing = LARAVEL_EXTENSIONS.filter((e) => !loaded.has(e));
  if (missing.length === 0)
    return { name: 'PHP extensions for Laravel', status: 'ok', detail: LARAVEL_EXTENSIONS.join(', ') };
  const minor = phpMinor(info);
  const packages = [
    ...new Set(missing.filter((e) => !BUILT_IN.has(e)).map((e) => `php${minor}-${EXTENSION_PACKAGE[e] ?? e}`)),
  ];
  return {
    name: 'PHP extensions for Laravel',
    status: 'fail',
    detail: `missing in the embedded PHP: ${missing.join(', ')}`,
    fix:
      packages.length > 0
        ? `sudo apt-get install -y ${packages.join(' ')}`
        : `enable them in ${info.iniFile ?? `/etc/php/${minor}/embed/php.ini`}`,
  };
}

function checkOpcache(info: RuntimeInfo): Check {
  if (info.opcache.enabled) return { name: 'OPcache in the embedded PHP', status: 'ok', detail: 'enabled' };
  return info.opcache.loaded
    ? {
        name: 'OPcache in the embedded PHP',
        status: 'warn',
        detail: 'loaded but disabled',
        fix: 'remove opcache.enable=0 from [php] in ephpm.toml or the embed php.ini',
      }
    : {
        name: 'OPcache in the embedded PHP',
        status: 'warn',
        detail: 'not loaded: every request recompiles PHP files',
        fix: `sudo apt-get install -y php${phpMinor(info)}-opcache`,
      };
}

function checkConfig(
  options: { root?: string; config?: string },
  checks: Check[],
): { host: string; port: number } | null {
  try {
    const config = resolveServerConfig(options, process.cwd(), false);
    resolveDevConfig({}, config);
    checks.push({
      name: 'ephpm.toml',
      status: config.configFile ? 'ok' : 'skip',
      detail: config.configFile ? `${config.configFile} is valid` : 'none (defaults apply)',
    });
    return config;
  } catch (error) {
    checks.push({
      name: 'ephpm.toml',
      status: 'fail',
      detail: (error as Error).message,
      fix: isEphpmError(error) ? (error.hint ?? 'fix the file') : undefined,
    });
    return null;
  }
}

async function checkPort(host: string, port: number, options: { root?: string; config?: string }): Promise<Check> {
  const stateFile = resolveStateFile(options);
  const content = readStateFile(stateFile);
  let pid = 0;
  try {
    if (content.kind === 'ok' && content.state.port === port) pid = runningServerPid(stateFile);
  } catch {
    // no addon: its own check says so
  }
  if (pid > 0)
    return { name: `port ${host}:${port}`, status: 'ok', detail: `served by this app's ephpm server (pid ${pid})` };
  const free = await new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
  return free
    ? { name: `port ${host}:${port}`, status: 'ok', detail: 'free' }
    : { name: `port ${host}:${port}`, status: 'fail', detail: 'in use by another program', fix: portInUseHint(port) };
}
