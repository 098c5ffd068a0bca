#!/usr/bin/env bash
# The fast check for the developer loop: ruff, mypy and the pure tests as plain Python, with no
# server, service, browser or network (a test that opens a network socket fails) and property
# tests at 20 examples each (tests/support/fast_check.py). Needs what scripts/setup.sh --all
# installed (.venv, and tests/interop's npm packages for the differential tests against yjs).
# Extra arguments go to pytest (e.g. -x, -k name). scripts/test.sh runs everything: the full
# example counts, the services, the browsers and the compiled build.
set -euo pipefail
cd "$(dirname "$0")/.."
# the pure tests: add a directory or a test file here when its tests need no service
PURE=(
  tests/protocol
  tests/core
  tests/runtime
  tests/build/test_native.py
  tests/client/test_positions.py
  tests/client/test_textbind.py
  tests/client/test_relpos.py
  tests/terminal/test_widgets.py
)
.venv/bin/ruff check .
# mypy (about 20 s of CPU on a cold cache, 1 s warm) runs beside the tests, on the other core;
# its report follows theirs, and either failing fails the check
types=$(mktemp)
trap 'rm -f "$types"' EXIT
.venv/bin/mypy >"$types" 2>&1 &
mypy_pid=$!
# schemathesis's pytest plugin costs a second of imports and no pure test uses it
tests_rc=0
COLLABD_NATIVE=0 PYTHONPATH=tests .venv/bin/python -m pytest -q -p no:cacheprovider \
  -p no:schemathesis -p support.fast_check "${PURE[@]}" "$@" || tests_rc=$?
types_rc=0
wait "$mypy_pid" || types_rc=$?
cat "$types"
exit $((tests_rc ? tests_rc : types_rc))
