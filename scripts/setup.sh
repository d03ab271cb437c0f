#!/usr/bin/env bash
# Sets up everything ephpm needs on Debian 12, from this repository's own files:
# Debian packages (PHP 8.2 with its embed SAPI and headers, the extensions
# Laravel needs, Composer, a C++ compiler), npm packages, then the TypeScript
# build and the native addon (built offline against the installed libphp).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  php8.2-cli php8.2-dev libphp8.2-embed composer
  php8.2-mbstring php8.2-xml php8.2-curl php8.2-sqlite3 php8.2-intl php8.2-zip php8.2-bcmath php8.2-opcache
  g++ make python3 openssl
  clang-format  # npm run lint checks native/ with it (Debian 12's is version 14, the reference)
  prometheus tmux  # promtool checks the /metrics exposition; tmux drives `ephpm top` in a terminal (tests)
  redis-server php8.2-redis  # cluster mode: the cluster tests start their own redis-server; strong() uses phpredis
  chromium  # the browser test drives Debian's chromium through playwright-core (h2, compression, early hints)
  nghttp2-client  # h2load for npm run bench:http2
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "ephpm setup: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "ephpm setup: Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))." >&2
  echo "  try: sudo apt-get install -y nodejs npm   (or install Node 20 from your usual source)" >&2
  exit 1
fi

echo "ephpm setup: installing npm packages"
npm ci --no-audit --no-fund --loglevel=error
echo "ephpm setup: building"
npm run --silent build:ts
npm run --silent build:addon
bash scripts/composer-package-deps.sh
echo "ephpm setup: done. Try: npm run demo (a Laravel app on ephpm), or node bin/run.js serve --root stubs/hello"
