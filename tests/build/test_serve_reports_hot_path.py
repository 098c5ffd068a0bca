"""`collabd serve` logs at start-up whether the per-update hot path runs compiled: plain Python
in the default test run, the whole build in scripts/test.sh's compiled step (COLLABD_NATIVE=1).
"""

from __future__ import annotations

import json
import os

from collabd import native
from support.server import ServerProcess


def test_serve_logs_which_hot_path_runs(tmp_path):
    server = ServerProcess(tmp_path / "data")
    server.start_blocking()
    try:
        lines = server.log_path.read_text().splitlines()
    finally:
        server.stop()
    serving = [json.loads(line) for line in lines if '"serving"' in line]
    assert len(serving) == 1, lines
    n = len(native.MODULES)
    expected = (f"compiled ({n} of {n} modules)" if os.environ["COLLABD_NATIVE"] == "1"
                else "plain Python")
    assert serving[0]["hot_path"] == expected
