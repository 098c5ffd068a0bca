"""Text one participant writes and the other reads: chat, the question, run output, names.

Bidi overrides, embeddings and isolates (U+202A-202E, U+2066-2069) can make a line read in
an order other than the one it was typed in ("a message shows reversed"), and C0/C1 control
characters drive terminals (the terminal client shows chat and runs) and hide text. Both are
removed at ingest, before the text is stored or relayed, so every client, including third-party
ones, gets text that reads as it was written. Newline and tab stay; a carriage return goes
(CRLF becomes LF). Left-to-right and right-to-left marks (U+200E/F) stay: they only place
neutral characters and right-to-left writers need them.
"""

from __future__ import annotations

import re

_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def shown(text: str) -> str:
    """`text` without bidi overrides/isolates and control characters other than LF and TAB."""
    if _HIDDEN.search(text) is None:  # the common case: no copy
        return text
    return _HIDDEN.sub("", text)
