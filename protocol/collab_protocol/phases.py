"""The phases of an interview session (SPEC 8.2), named once for the server and the clients.

The server's transition table and phase gates are in collabd.core.lifecycle; clients gate what
they offer on the session view's `actions` (SDK: CollabClient.may) and use these names where
they show or wait for a phase.
"""

from enum import StrEnum


class Phase(StrEnum):
    LOBBY = "lobby"
    LIVE = "live"
    FEEDBACK = "feedback"
    REVEALED = "revealed"
    UNMASKED = "unmasked"
    SEALED = "sealed"


# The interview is running (not yet ended): the code is editable, the interview timer counts.
INTERVIEW_PHASES: frozenset[Phase] = frozenset({Phase.LOBBY, Phase.LIVE})
