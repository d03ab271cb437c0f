#!/usr/bin/env bash
# Installs what `npm run bench:runtime` needs beyond the project's own setup:
# wrk, nginx and php-fpm. Does nothing when they are already installed.
set -euo pipefail

packages=(wrk nginx php8.2-fpm)
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
