#!/usr/bin/env bash
# Sets everything up, then runs the server with the web client on embedded storage.
# Extra arguments go to `collabd serve` (e.g. --port 9000 --data-dir ./data).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/collabd serve "$@"
