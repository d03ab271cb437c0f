#!/usr/bin/env bash
# README command 1, after scripts/setup.sh: a Laravel app made by create-ephpm-laravel (this checkout's) in
# .cache/demo — made once, reused afterwards — served by ephpm on http://127.0.0.1:8000.
# EPHPM_DEMO_APP and EPHPM_DEMO_PORT choose another directory and port.
set -euo pipefail
cd "$(dirname "$0")/.."
app="${EPHPM_DEMO_APP:-.cache/demo}"
node bin/create-ephpm-laravel.js "$app" --yes
cd "$app"
exec npx ephpm serve --host 127.0.0.1 --port "${EPHPM_DEMO_PORT:-8000}"
