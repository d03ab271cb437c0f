#!/usr/bin/env bash
# Installs what a benchmark needs beyond the project's own setup. Does nothing
# when it is already installed.
#   setup-bench.sh          npm run bench:runtime: wrk, nginx and php-fpm
#   setup-bench.sh table    npm run bench:table: redis-server and phpredis
set -euo pipefail

case "${1:-runtime}" in
  runtime) packages=(wrk nginx php8.2-fpm) ;;
  table) packages=(redis-server php8.2-redis) ;;
  *) echo "setup-bench: unknown benchmark '$1' (runtime or table)" >&2; exit 2 ;;
esac
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null; then
  echo "setup-bench: missing ${missing[*]} and apt-get is not available; install them by hand." >&2
  exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  sudo=(sudo)
fi

echo "setup-bench: installing ${missing[*]}" >&2
"${sudo[@]}" apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
