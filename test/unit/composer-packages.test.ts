import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { majorsOf, satisfiesConstraint, shippedDriver } from '../../src/runtime/laravel/composer-packages.js';
import { supportedMajors } from '../../src/scaffold/composer-probes.js';

describe('Composer versions and constraints', () => {
  it('matches the constraints packages require', () => {
    expect(satisfiesConstraint('v11.57.1', '^11.0|^12.0')).toBe(true);
    expect(satisfiesConstraint('v12.1.0', '^11.0 || ^12.0')).toBe(true);
    expect(satisfiesConstraint('v10.48.29', '^11.0|^12.0')).toBe(false);
    expect(satisfiesConstraint('2.3.7', '^2.3')).toBe(true);
    expect(satisfiesConstraint('v1.5.6', '^2.3')).toBe(false);
    expect(satisfiesConstraint('8.2.36', '>=8.2, <9.0')).toBe(true);
    expect(satisfiesConstraint('dev-main', '^2.3')).toBe(false);
  });

  it('reads the Laravel majors the driver supports from its composer.json, newest first', () => {
    expect(majorsOf('^11.0|^12.0')).toEqual([12, 11]);
    expect(supportedMajors()).toEqual(majorsOf(shippedDriver().require['laravel/framework']!));
  });

  it("the driver's version is the npm package's: the app's Composer and npm get the same release", () => {
    const npm = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(shippedDriver().version).toBe(npm.version);
  });
});
