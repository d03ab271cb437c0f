import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readAppConfig } from '../config/config.js';
import { EphpmError } from '../errors.js';
import { addonPath } from '../native/addon.js';

export interface RuntimeInfo {
  phpVersion: string;
  sapi: string;
  iniFile: string | null;
  iniScannedFiles: string[];
  extensions: string[];
  zendExtensions: string[];
  opcache: { loaded: boolean; enabled: boolean };
  memoryLimit: string;
  stackBytes: number;
  addon: { phpVersion: string; zendApi: number; libphp?: string; path?: string };
  warnings: string[];
}

/** Asks a real embedded PHP, started with the app's [php] settings, about itself. */
export function collectRuntimeInfo(options: { root?: string; config?: string }): Promise<RuntimeInfo> {
  const { phpIni, phpStackBytes } = readAppConfig(options);
  const child = spawn(
    process.execPath,
    [
      fileURLToPath(new URL('./runtime-info-main.js', import.meta.url)),
      JSON.stringify({ ini: phpIni, stackBytes: phpStackBytes }),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      if (code === 0 && stdout.trim()) {
        const info = JSON.parse(stdout) as RuntimeInfo;
        return resolve({ ...info, addon: { ...info.addon, path: addonPath() } });
      }
      const known = /^(.*)\n\s*try: (.*)$/m.exec(stderr);
      reject(
        new EphpmError(
          'EPHPM_RUNTIME_INFO',
          `The embedded PHP could not start: ${(known?.[1] ?? stderr).trim() || `exit code ${code}`}`,
          known?.[2],
        ),
      );
    });
  });
}
