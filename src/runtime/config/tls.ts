// [server.tls]: the certificate and key files, checked once at start with the file named.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { EphpmError } from '../errors.js';
import { bad, stringSetting } from './values.js';

/** The PEM files of [server.tls]. */
export interface TlsFiles {
  cert: string;
  key: string;
}

export function tlsSetting(value: Record<string, unknown> | undefined, base: string): TlsFiles | null {
  if (value === undefined) return null;
  const cert = stringSetting(value.cert, 'server.tls.cert');
  const key = stringSetting(value.key, 'server.tls.key');
  if (!cert || !key) throw bad('server.tls', 'a table with both cert and key file paths', value);
  const paths = { cert: isAbsolute(cert) ? cert : join(base, cert), key: isAbsolute(key) ? key : join(base, key) };
  for (const [name, path] of Object.entries(paths)) {
    if (!existsSync(path))
      throw new EphpmError('EPHPM_BAD_CONFIG', `ephpm.toml: server.tls.${name} file ${path} does not exist.`);
  }
  checkPem(paths.cert, 'server.tls.cert', 'a PEM certificate', (pem) => new X509Certificate(pem));
  checkPem(paths.key, 'server.tls.key', 'a PEM private key without a passphrase', (pem) => createPrivateKey(pem));
  checkPem(paths.key, 'server.tls.key', `the private key of the certificate in ${paths.cert}`, (key) =>
    createSecureContext({ cert: readFileSync(paths.cert), key }),
  );
  return paths;
}

/** Each worker would fail on its own with OpenSSL's words and no file name: say which file, once, at start. */
export function checkPem(path: string, key: string, expected: string, parse: (pem: Buffer) => unknown): void {
  try {
    parse(readFileSync(path));
  } catch (error) {
    throw new EphpmError(
      'EPHPM_BAD_CONFIG',
      `ephpm.toml: ${key} file ${path} is not ${expected} (${(error as Error).message}).`,
      'Give the PEM files of a certificate and its key, e.g. from: openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem',
    );
  }
}
