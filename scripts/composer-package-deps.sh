#!/usr/bin/env bash
# Installs composer-package/'s dependencies (laravel/framework, laravel/octane, phpunit) into composer-package/vendor/,
# which git ignores. Run by scripts/setup.sh and, when vendor/ is missing, by the tests that need it.
#
# Where Composer cannot resolve laravel/octane (a registry mirror without it), everything else is installed anyway,
# from a copy of composer.json without that requirement: the tests that need no Octane (the cache store, the
# runtime functions) still run, and the Octane suites skip as a whole, saying why.
set -euo pipefail
cd "$(dirname "$0")/../composer-package"
export COMPOSER_NO_INTERACTION=1
echo "ephpm setup: installing composer-package dependencies"
rm -f .without-octane.json .without-octane.lock
if log="$(composer update --no-progress --no-audit 2>&1)"; then
  exit 0
fi
if ! grep -q 'laravel/octane' <<<"$log"; then
  echo "$log" >&2
  exit 1
fi
echo "ephpm setup: Composer cannot resolve laravel/octane here; installing the rest (the Octane suites will skip)"
php -r '$c = json_decode(file_get_contents("composer.json"), true); unset($c["require"]["laravel/octane"]);
        file_put_contents(".without-octane.json", json_encode($c, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES));'
COMPOSER=.without-octane.json composer update --no-progress --quiet --no-audit
