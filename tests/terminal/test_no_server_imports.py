"""The client SDK and the terminal client speak only the wire protocol: importing them must not
import the server package (that is what proves collab_protocol is embeddable), and the SDK must
not import the terminal client or Textual (embedders install it without them)."""

from __future__ import annotations

import subprocess
import sys

import pytest


def imported_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint(','.join(sorted(sys.modules)))\n"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return set(out.stdout.strip().split(","))


def tops(modules: set[str], *names: str) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in names)


@pytest.mark.parametrize(
    "statement",
    [
        "import collab_term, collab_term.app, collab_term.filemirror",
        "import collab_client, collab_client.client, collab_client.relpos, "
        "collab_client.textbind, collab_client.positions, collab_client.links",
    ],
)
def test_clients_never_import_collabd(statement):
    assert tops(imported_after(statement), "collabd") == []


def test_the_sdk_needs_neither_the_terminal_client_nor_textual():
    modules = imported_after("import collab_client, collab_client.textbind, collab_client.relpos")
    assert tops(modules, "collab_term", "textual", "rich", "aiohttp") == []
    assert {"collab_protocol", "pycrdt", "websockets"} <= {m.split(".")[0] for m in modules}
