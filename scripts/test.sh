#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian/Ubuntu machine, then run it.
# Used as-is by CI (.ci/run). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Headless Chromium for the browser-preview tests (Debian's build; Playwright drives it, no browser download).
if ! command -v chromium >/dev/null 2>&1; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# cytoscape.js, pinned in package.json / package-lock.json, for the preview pages.
npm ci --no-audit --no-fund --loglevel=error

python3 -m pip install --quiet --disable-pip-version-check -e ".[test]"

# Lint, format and type checks first: a regression in any fails CI.
bash scripts/check

python3 -m pytest "$@"
