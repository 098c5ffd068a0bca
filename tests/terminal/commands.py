"""How the tests start the installed `collab-term` command."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def collab_term_command() -> list[str]:
    """The installed console script, else the same entry point through this interpreter."""
    script = Path(sys.executable).parent / "collab-term"
    if script.exists():
        return [str(script)]
    found = shutil.which("collab-term")
    return [found] if found else [sys.executable, "-m", "collab_term"]
