#!/usr/bin/env bash
# Regenerates native/**/*_arginfo.h from the stubs next to them (native/**/*.stub.php), with PHP's own gen_stub.php:
#
#   bash scripts/generate-arginfo.sh            # the stubs that changed since their header was generated
#   bash scripts/generate-arginfo.sh --force    # every stub
#
# A stub declares the PHP functions and classes the addon registers; the generated header holds their arginfo,
# ZEND_FUNCTION/ZEND_METHOD declarations, function tables and (with @generate-class-entries) register_class_*().
# After editing a stub: run this, implement what the header declares, update composer-package's fallbacks, commit the
# stub and the header together; test/composer-package/php-api.test.ts checks that the three agree.
#
# Offline: gen_stub.php (php8.2-dev, beside PHP's extension directory) downloads nikic/php-parser from GitHub unless a
# PHP-Parser-<version> folder sits beside it. The parser is installed with Composer into tools/php-stubs/vendor/ (its
# composer.json pins the version gen_stub.php's initPhpParser() names), and gen_stub.php runs from a temporary copy
# with that folder linked beside it.
set -euo pipefail
cd "$(dirname "$0")/.."

force=()
case "${1:-}" in
  --force) force=(--force-regeneration) ;;
  "") ;;
  *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

gen_stub="${EPHPM_GEN_STUB:-$(php -r 'echo PHP_EXTENSION_DIR;')/build/gen_stub.php}"
if [ ! -f "$gen_stub" ]; then
  echo "generate-arginfo: no gen_stub.php at $gen_stub; install php8.2-dev (or set EPHPM_GEN_STUB)" >&2
  exit 1
fi
parser_version="$(sed -n 's/^ *\$version = "\([0-9.]*\)";$/\1/p' "$gen_stub" | head -n 1)"
if [ -z "$parser_version" ]; then
  echo "generate-arginfo: cannot read the nikic/php-parser version from initPhpParser() in $gen_stub" >&2
  exit 1
fi
parser_dir="tools/php-stubs/vendor/nikic/php-parser"
if [ ! -d "$parser_dir/lib/PhpParser" ]; then
  echo "generate-arginfo: installing nikic/php-parser into tools/php-stubs/vendor/"
  composer install --working-dir=tools/php-stubs --no-interaction --no-progress --quiet
fi
installed_version="$(php -r 'foreach (json_decode(file_get_contents($argv[1]), true)["packages"] as $package) {
    if ($package["name"] === "nikic/php-parser") echo ltrim($package["version"], "v");
  }' tools/php-stubs/vendor/composer/installed.json)"
if [ "$installed_version" != "$parser_version" ]; then
  echo "generate-arginfo: $gen_stub wants nikic/php-parser $parser_version, tools/php-stubs has $installed_version;" \
       "set that version in tools/php-stubs/composer.json and run: composer update --working-dir=tools/php-stubs" >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$gen_stub" "$work/gen_stub.php"
ln -s "$PWD/$parser_dir" "$work/PHP-Parser-$parser_version"

mapfile -t stubs < <(find native -name '*.stub.php' -not -path 'native/build/*' | sort)
php "$work/gen_stub.php" "${force[@]}" "${stubs[@]}"
