import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ephpmPackage } from '../../src/scaffold/ephpm-package.js';
import { tempDir } from '../helpers/ephpm-server.js';

/** An installed copy of ephpm in <project>/node_modules/ephpm, installed from `resolved` as npm's lockfile records it. */
function installed(resolved?: string): { project: string; root: string } {
  const project = tempDir('ephpm-npx-');
  const root = join(project, 'node_modules', 'ephpm');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'ephpm', version: '0.1.0' }));
  const entry = resolved === undefined ? { version: '0.1.0' } : { version: '0.1.0', resolved };
  writeFileSync(
    join(project, 'node_modules', '.package-lock.json'),
    JSON.stringify({ packages: { 'node_modules/ephpm': entry } }),
  );
  return { project, root };
}

describe('how the app depends on the ephpm that scaffolds it', () => {
  it('on the tarball npx installed it from (npm records it relative to its project)', () => {
    const { project, root } = installed('file:../../../tmp/pack/ephpm-0.1.0.tgz');
    const tarball = join(project, '../../../tmp/pack/ephpm-0.1.0.tgz');
    expect(ephpmPackage(root)).toEqual({
      root,
      version: '0.1.0',
      spec: `file:${tarball}`,
      allowScriptsKey: `file:${tarball}`,
    });
  });

  it('on the registry version when it came from the registry', () => {
    const { root } = installed();
    expect(ephpmPackage(root)).toMatchObject({ spec: 'ephpm@^0.1.0', allowScriptsKey: 'ephpm' });
  });

  it('on the checkout itself when run from one', () => {
    const checkout = tempDir('ephpm-checkout-');
    writeFileSync(join(checkout, 'package.json'), JSON.stringify({ name: 'ephpm', version: '0.1.0' }));
    expect(ephpmPackage(checkout)).toEqual({
      root: checkout,
      version: '0.1.0',
      spec: `file:${checkout}`,
      allowScriptsKey: null,
    });
  });
});
