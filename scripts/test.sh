#!/usr/bin/env bash
# Sets everything up (Python and npm packages, redis-server, coturn, chromium, espeak-ng, the compiled hot
# path), then runs the linters, the web client's unit tests and the whole pytest suite on the
# sources; then the tests of what the compiled hot path runs, again on the mypyc build (what
# ships; COLLABD_NATIVE=1 makes a missing or stale build an error, never a quiet plain run).
# Extra arguments go to the whole-suite run. scripts/check.sh is the fast developer check.
set -euo pipefail
cd "$(dirname "$0")/.."
# every update passes through these tests' code; the build compiles it (collabd/native.py)
COMPILED=(
  tests/build
  tests/server
  tests/runtime
  tests/core/test_docsync.py
  tests/core/test_yupdate.py
  tests/core/test_ratelimit.py
  tests/core/test_gate_vs_libraries.py
  tests/interop  # stock Yjs clients (npm yjs + y-websocket) against what ships
)
scripts/setup.sh --all
.venv/bin/ruff check .
.venv/bin/mypy
if [ -f clients/web/package.json ]; then
  (cd clients/web && npm test)
fi
.venv/bin/python -m pytest -q "$@"
echo "test.sh: the compiled hot path (mypyc build)"
COLLABD_NATIVE=1 exec .venv/bin/python -m pytest -q "${COMPILED[@]}"
