"""The terminal client and SDK speak only the wire protocol: importing them must not import the
server package (that is what proves collab_protocol is embeddable)."""

from __future__ import annotations

import subprocess
import sys


def test_collab_term_never_imports_collabd():
    code = (
        "import sys\n"
        "import collab_term, collab_term.sdk, collab_term.app, collab_term.filemirror\n"
        "import collab_term.relpos, collab_term.textbind\n"
        "bad = sorted(m for m in sys.modules if m == 'collabd' or m.startswith('collabd.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == ""
