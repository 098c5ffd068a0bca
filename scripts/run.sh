#!/usr/bin/env bash
# Sets everything up, then runs the server with the web client on embedded storage.
# Extra arguments go to `collabd serve` (e.g. --port 9000 --data-dir ./data).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# say which hot path runs (README, Performance): compiled with mypyc, or plain Python
.venv/bin/python -c 'import collabd.native as n, importlib
for m in n.MODULES: importlib.import_module(m)
c = n.compiled()
print(f"collabd: the per-update hot path runs compiled ({len(c)} of {len(n.MODULES)} modules)"
      if c else "collabd: the per-update hot path runs as plain Python (no compiled build)")'
exec .venv/bin/collabd serve "$@"
