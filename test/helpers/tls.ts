import { execFileSync } from 'node:child_process';
import { request } from 'node:https';
import { join } from 'node:path';

/** Writes a self-signed certificate for localhost as `cert.pem` and `key.pem` into `dir`. */
export function writeSelfSignedCertificate(dir: string): void {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
}

/** GET over HTTPS, trusting any certificate; resolves with the body as text. */
export function httpsGetText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { rejectUnauthorized: false }, (response) => {
      let text = '';
      response.on('data', (d: Buffer) => (text += d.toString()));
      response.on('end', () => resolve(text));
    })
      .on('error', reject)
      .end();
  });
}
