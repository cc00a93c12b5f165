#!/usr/bin/env bash
# The web client's third-party browser code (web-deps/package.json, locked by its package-lock.json):
# installs it with `npm ci` and copies the browser builds the client loads into web/vendor/
# (gitignored; never committed). Today: markdown-it, which renders the assistant's replies as
# Markdown (web/js/markdown.js). Without web/vendor/ the client still works: those replies are shown
# as plain text with their links.
#
#   scripts/web-deps.sh            # idempotent: npm runs only when the lockfile changed
#   scripts/web-deps.sh --check    # exit 1 when web/vendor/ is missing or stale (no npm, no writes)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
deps="$root/web-deps"
vendor="$root/web/vendor"
# source in node_modules → file name in web/vendor/
files=(
  "markdown-it/dist/browser/markdown-it.umd.min.js:markdown-it.min.js"
  "markdown-it/LICENSE:markdown-it.LICENSE.txt"
)

fresh() { # every vendored file exists and is newer than the lockfile
  for f in "${files[@]}"; do
    [[ -f "$vendor/${f#*:}" && "$vendor/${f#*:}" -nt "$deps/package-lock.json" ]] || return 1
  done
}

if [[ "${1:-}" == --check ]]; then
  fresh && { echo "web-deps: web/vendor/ is up to date"; exit 0; }
  echo "web-deps: web/vendor/ is missing or older than web-deps/package-lock.json: run scripts/web-deps.sh" >&2
  exit 1
fi

stamp="$deps/node_modules/.package-lock.json"
if [[ -f "$stamp" && "$stamp" -nt "$deps/package-lock.json" && "$stamp" -nt "$deps/package.json" ]]; then
  echo "web-deps: npm packages up to date"
else
  (cd "$deps" && npm ci --no-audit --no-fund)
fi

mkdir -p "$vendor"
for f in "${files[@]}"; do
  src="$deps/node_modules/${f%%:*}"
  [[ -f "$src" ]] || { echo "web-deps: $src not found (package layout changed?)" >&2; exit 1; }
  # The map is not shipped: drop the reference so that browsers do not ask for it.
  sed '/^\/\/# sourceMappingURL=/d' "$src" >"$vendor/${f#*:}.tmp"
  mv "$vendor/${f#*:}.tmp" "$vendor/${f#*:}"
done
echo "web-deps: web/vendor/ ready ($(cd "$vendor" && ls | tr '\n' ' '))"
