// Child process for `ephpm runtime:info`: starts the embedded PHP the way a
// worker does, asks it about itself through one request, prints JSON, exits.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPhp } from '../php/embedded-php.js';
import { isEphpmError } from '../errors.js';
import { nativePhp, type LaneFunctions, type PhpFunctions } from '../native/php-face.js';

const PROBE = `<?php
$request = \\Ephpm\\Octane\\take_request();
$opcache = function_exists('opcache_get_status') ? opcache_get_status(false) : false;
\\Ephpm\\Octane\\send_response(200, [], json_encode([
    'phpVersion' => PHP_VERSION,
    'sapi' => PHP_SAPI,
    'iniFile' => php_ini_loaded_file() ?: null,
    'iniScannedFiles' => array_values(array_filter(array_map('trim', explode(',', (string) php_ini_scanned_files())))),
    'extensions' => get_loaded_extensions(),
    'zendExtensions' => get_loaded_extensions(true),
    'opcache' => ['loaded' => extension_loaded('Zend OPcache'), 'enabled' => is_array($opcache) && $opcache['opcache_enabled']],
    'memoryLimit' => ini_get('memory_limit'),
]));
`;

const { ini, stackBytes } = JSON.parse(process.argv[2] ?? '{}') as { ini: Record<string, string>; stackBytes: number };
const script = join(tmpdir(), `ephpm-runtime-info-${process.pid}.php`);
writeFileSync(script, PROBE);

let addon: PhpFunctions & LaneFunctions;
try {
  addon = nativePhp();
} catch (error) {
  // Same two-line shape runtime-info.ts reads back: message, then "try: …".
  process.stderr.write(
    `${(error as Error).message}\n${isEphpmError(error) && error.hint ? `  try: ${error.hint}\n` : ''}`,
  );
  process.exit(1);
}
const php = new EmbeddedPhp(addon);
const logs: string[] = [];
php.on('log', (message) => logs.push(message));
php.start({ script, ini, stackBytes });
php.waitUntilReady().then(
  () => {
    php.dispatch(
      1,
      {
        method: 'GET',
        uri: '/',
        protocol: 'HTTP/1.1',
        scheme: 'http',
        remoteAddress: '127.0.0.1',
        remotePort: 0,
        serverAddress: '127.0.0.1',
        serverPort: 0,
        rawHeaders: '',
        body: null,
        bodyFile: null,
        bodySize: 0,
        time: Date.now() / 1000,
        directSocket: -1,
        keepAliveSeconds: 0,
      },
      {
        head: (_status, _headers, body) => {
          const probe = JSON.parse(
            typeof body === 'string' ? Buffer.from(body, 'latin1').toString('utf8') : body.toString('utf8'),
          ) as Record<string, unknown>;
          process.stdout.write(
            JSON.stringify({ ...probe, stackBytes, addon: addon.buildInfo(), warnings: logs }) + '\n',
          );
          void php.stop().then(() => process.exit(0));
        },
        chunk: () => undefined,
        earlyHints: () => undefined,
        abort: () => process.exit(1),
        written: () => process.exit(1), // never: no socket was offered
        writeFailed: () => process.exit(1),
      },
    );
  },
  (error: Error) => {
    process.stderr.write(error.message + '\n');
    process.exit(1);
  },
);
