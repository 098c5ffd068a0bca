#!/usr/bin/env bash
# Installs everything collabd needs on a fresh Debian machine (idempotent).
#   scripts/setup.sh          server + web client (what `scripts/run.sh` needs)
#   scripts/setup.sh --all    also the test tools: redis-server, PostgreSQL, coturn, chromium,
#                             espeak-ng (speech for the masked-voice test),
#                             npm test clients, the JS client package's dev dependencies
set -euo pipefail
cd "$(dirname "$0")/.."
ALL=0
[ "${1:-}" = "--all" ] && ALL=1

apt_need=()
if [ "$ALL" = 1 ]; then
  command -v redis-server >/dev/null || apt_need+=(redis-server)
  command -v turnserver >/dev/null || apt_need+=(coturn)
  command -v chromium >/dev/null || apt_need+=(chromium)
  command -v tmux >/dev/null || apt_need+=(tmux)
  command -v espeak-ng >/dev/null || apt_need+=(espeak-ng)
  # the store contract tests start their own PostgreSQL (binaries in /usr/lib/postgresql/N/bin)
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || apt_need+=(postgresql)
fi
command -v node >/dev/null || apt_need+=(nodejs npm)
if [ ${#apt_need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${apt_need[@]}"
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [ "$ALL" = 1 ]; then
  .venv/bin/python -m pip install -q -e '.[test,redis,terminal,analytics,native]'
else
  # redis: cluster mode, and the type checker inside the compiled build reads its stubs
  .venv/bin/python -m pip install -q -e '.[analytics,native,redis]'
fi
# the per-update hot path compiled with mypyc (collabd/native.py); plain Python without a C
# compiler. For the tests a failed build is an error (scripts/test.sh's compiled step then
# refuses to run); for running, plain Python is enough (`collabd serve` says which one runs).
if [ "$ALL" = 1 ]; then
  .venv/bin/python scripts/build_native.py --if-compiler
else
  .venv/bin/python scripts/build_native.py --fallback
fi

if [ -f clients/web/package.json ]; then
  (cd clients/web && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
fi
if [ "$ALL" = 1 ]; then
  (cd tests/interop && npm ci --no-audit --no-fund --loglevel=error)
  # the JavaScript client package: its tests, type check and `npm pack` test (tests/jsclient)
  (cd clients/js && npm ci --no-audit --no-fund --loglevel=error)
fi
