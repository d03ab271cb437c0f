// Prints the directory of the Laravel app the Octane test suite runs (test/helpers/laravel-app.ts), building it
// into .cache/ first when needed: the benchmarks measure Octane's API in the same app. Run through vite-node.
import { laravelApp } from '../../test/helpers/laravel-app.js';

process.stdout.write(laravelApp());
