import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Every test starts real server processes; on a 2-core machine running
    // files one after another keeps timings honest and the suite stable.
    fileParallelism: false,
    testTimeout: 60_000,
    globalSetup: ['test/run-temp-dir.ts'],
    hookTimeout: 60_000,
    // The Octane suite runs on each Laravel major the driver supports: the whole suite on Laravel 11, and the Octane
    // suite (test/octane/) again on Laravel 12 (test/helpers/laravel-app.ts).
    projects: [
      {
        extends: true,
        test: { name: 'laravel-11', include: ['test/**/*.test.ts'], env: { EPHPM_TEST_LARAVEL: '11' } },
      },
      {
        extends: true,
        test: { name: 'laravel-12', include: ['test/octane/**/*.test.ts'], env: { EPHPM_TEST_LARAVEL: '12' } },
      },
    ],
  },
});
