#!/usr/bin/env bash
# Installs composer-package/'s dependencies (illuminate/contracts, and laravel/framework for the tests that run a
# real Illuminate\Cache\Repository) into composer-package/vendor/, which git ignores. Run by scripts/setup.sh and,
# when vendor/ is missing, by the tests that need it.
set -euo pipefail
cd "$(dirname "$0")/../composer-package"
echo "ephpm setup: installing composer-package dependencies"
COMPOSER_NO_INTERACTION=1 composer update --no-progress --quiet --no-audit
