"""The committed golden vectors are exactly what protocol/gen_vectors.py writes today."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_vectors_are_what_the_generator_writes() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "protocol" / "gen_vectors.py"), "--check"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, f"run `python protocol/gen_vectors.py`: {out.stdout}{out.stderr}"
