#!/usr/bin/env bash
# `npm run lint`: checks the formatting of TypeScript/JavaScript/JSON (Prettier, .prettierrc.json) and of the C++
# in native/ (clang-format 14, .clang-format), then lints TypeScript/JavaScript (ESLint, eslint.config.mjs).
# Runs every check, prints what failed, and exits non-zero if any did.
#
# `npm run format` (this script with --fix): rewrites what Prettier and clang-format would change. ESLint's findings
# are left to fix by hand (`npx eslint --fix .` fixes the mechanical ones).
set -uo pipefail
cd "$(dirname "$0")/.."

fix=false
case "${1:-}" in
  --fix) fix=true ;;
  '') ;;
  *) echo "usage: scripts/lint.sh [--fix]" >&2; exit 2 ;;
esac

bin=node_modules/.bin
for tool in prettier eslint; do
  if [ ! -x "$bin/$tool" ]; then
    echo "lint: $bin/$tool is missing: run npm ci (or bash scripts/setup.sh)" >&2
    exit 2
  fi
done
if ! command -v clang-format >/dev/null; then
  echo "lint: clang-format is missing: apt-get install clang-format (or bash scripts/setup.sh)" >&2
  exit 2
fi
if ! clang-format --version | grep -q 'version 14\.'; then
  # Other versions format some constructs differently; Debian 12's (14) is the reference.
  echo "lint: warning: $(clang-format --version | head -n 1) is not version 14 (Debian 12's), which CI uses" >&2
fi

# Prettier reads .gitignore and .prettierignore (lockfile, bench results, composer-package/, fixtures, stubs/).
prettier_files=('**/*.{ts,mts,cts,js,mjs,cjs,json}')
# The C++ of the addon: not native/build/, not PHP's generated arginfo headers.
mapfile -t native_files < <(find native -path native/build -prune -o -type f \( -name '*.cc' -o -name '*.h' \) \
  ! -name '*_arginfo.h' -print | LC_ALL=C sort)

if $fix; then
  status=0
  echo "format: prettier --write"
  "$bin/prettier" --write --log-level warn "${prettier_files[@]}" || status=1
  echo "format: clang-format -i (${#native_files[@]} files in native/)"
  clang-format -i "${native_files[@]}" || status=1
  [ "$status" -eq 0 ] && echo "format: done; npm run lint checks the rest (ESLint)"
  exit "$status"
fi

failed=()

echo "lint: prettier --check"
"$bin/prettier" --check --log-level warn "${prettier_files[@]}" || failed+=(prettier)

echo "lint: clang-format --dry-run --Werror (${#native_files[@]} files in native/)"
clang-format --dry-run --Werror "${native_files[@]}" || failed+=(clang-format)

echo "lint: eslint"
"$bin/eslint" --max-warnings 0 . || failed+=(eslint)

if [ ${#failed[@]} -gt 0 ]; then
  echo >&2
  echo "lint: failed: ${failed[*]}" >&2
  case " ${failed[*]} " in
    *' prettier '* | *' clang-format '*)
      echo "  formatting: run npm run format (prettier --write + clang-format -i), then check the diff" >&2 ;;
  esac
  case " ${failed[*]} " in
    *' eslint '*)
      echo "  eslint: fix the findings above (npx eslint --fix . fixes the mechanical ones);" \
        "a deliberate exception takes // eslint-disable-next-line <rule> -- <why>" >&2 ;;
  esac
  exit 1
fi
echo "lint: all clean"
