#!/usr/bin/env bash
# Sets everything up (Python and npm packages, redis-server, coturn, chromium), then runs
# the linters, the web client's unit tests and the whole pytest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --all
.venv/bin/ruff check .
.venv/bin/mypy
if [ -f clients/web/package.json ]; then
  (cd clients/web && npm test)
fi
exec .venv/bin/python -m pytest -q "$@"
