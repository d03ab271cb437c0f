#!/usr/bin/env node
// The Laravel scaffolder is not built yet; say so plainly instead of pretending.
process.stderr.write(
  'create-ephpm-laravel is not available in this version of ephpm yet.\n' +
    'For now, run a PHP worker script directly: npx ephpm serve --worker <script.php>\n',
);
process.exit(1);
