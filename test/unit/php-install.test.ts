import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describePhpInstall, findPhpInstall } from '../../src/runtime/toolchain/php-install.js';
import { phpConfigCandidates } from '../../src/runtime/native/php-config.js';
import { tempDir } from '../helpers/ephpm-server.js';
import { standInPhpConfig } from '../helpers/php-config.js';

// Stand-in php-config scripts describe PHPs that are not installed here (only 8.2 runs on this machine).

describe('finding the PHP to build the addon against', () => {
  it('takes $EPHPM_PHP_CONFIG alone when it is set', () => {
    const onPath = standInPhpConfig({ version: '8.3.4' });
    const chosen = standInPhpConfig({ version: '8.4.1' });
    expect(phpConfigCandidates({ PATH: onPath.bin, EPHPM_PHP_CONFIG: chosen.phpConfig })).toEqual([chosen.phpConfig]);
    expect(findPhpInstall({ PATH: onPath.bin, EPHPM_PHP_CONFIG: chosen.phpConfig }).version).toBe('8.4.1');
  });

  it('else php-config on PATH, then php-config8.x newest first', () => {
    const dir = tempDir('ephpm-php-');
    for (const [name, version] of [
      ['php-config8.3', '8.3.9'],
      ['php-config8.10', '8.10.0'],
      ['php-config8.2', '8.2.1'],
      ['php-config', '8.3.9'],
    ]) {
      standInPhpConfig({ version: version!, name, dir: join(dir, name!) });
    }
    const path = ['php-config8.3', 'php-config8.10', 'php-config8.2', 'php-config']
      .map((name) => join(dir, name, 'bin'))
      .join(':');
    expect(phpConfigCandidates({ PATH: path }).map((file) => basename(file))).toEqual([
      'php-config',
      'php-config8.10',
      'php-config8.3',
      'php-config8.2',
    ]);
  });

  it('reads version, prefix, include dirs and the library from php-config: libphp8.x.so or libphp.so', () => {
    const debian = standInPhpConfig({ version: '8.3.4', library: 'libphp8.3.so' });
    expect(describePhpInstall(debian.phpConfig)).toMatchObject({
      version: '8.3.4',
      minor: '8.3',
      prefix: debian.prefix,
      includes: expect.arrayContaining([`-I${debian.prefix}/include/php/main`, `-I${debian.prefix}/include/php/Zend`]),
      library: join(debian.prefix, 'lib', 'libphp8.3.so'),
      linkName: 'php8.3',
    });
    const selfBuilt = standInPhpConfig({ version: '8.4.1', library: 'libphp.so' });
    expect(describePhpInstall(selfBuilt.phpConfig)).toMatchObject({
      library: join(selfBuilt.prefix, 'lib', 'libphp.so'),
      linkName: 'php',
    });
  });

  it('passes over a PHP without the embed SAPI to the next candidate', () => {
    const noEmbed = standInPhpConfig({ version: '8.4.0', name: 'php-config', sapis: 'cli fpm' });
    const embed = standInPhpConfig({ version: '8.3.2', name: 'php-config8.3' });
    expect(findPhpInstall({ PATH: `${noEmbed.bin}:${embed.bin}` }).version).toBe('8.3.2');
  });

  it('says what to install, for the version found, when no PHP qualifies', () => {
    const noEmbed = standInPhpConfig({ version: '8.4.0', sapis: 'cli fpm' });
    expect(() => findPhpInstall({ PATH: noEmbed.bin })).toThrow(
      expect.objectContaining({
        message: `PHP 8.4.0 (${noEmbed.phpConfig}) has no embed SAPI (its SAPIs: cli fpm).`,
        hint: expect.stringMatching(/^sudo apt-get install -y libphp8\.4-embed .*--enable-embed/),
      }),
    );
    const noLibrary = standInPhpConfig({ version: '8.3.1', library: null });
    expect(() => describePhpInstall(noLibrary.phpConfig)).toThrow(
      expect.objectContaining({
        message: expect.stringContaining(
          `PHP 8.3.1's embed library (libphp8.3.so or libphp.so) is not in ${noLibrary.prefix}/lib`,
        ),
        hint: expect.stringMatching(/^sudo apt-get install -y libphp8\.3-embed/),
      }),
    );
    const tooOld = standInPhpConfig({ version: '8.1.27' });
    expect(() => describePhpInstall(tooOld.phpConfig)).toThrow(/is PHP 8\.1\.27; ephpm needs PHP 8\.2 or newer/);
  });

  it('names php8.x-dev and libphp8.x-embed when there is no php-config at all', () => {
    expect(() => findPhpInstall({ PATH: tempDir() })).toThrow(
      expect.objectContaining({
        code: 'EPHPM_PHP_NOT_FOUND',
        hint: expect.stringMatching(/^sudo apt-get install -y php8\.\d+-dev libphp8\.\d+-embed g\+\+/),
      }),
    );
  });
});
