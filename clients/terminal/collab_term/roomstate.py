"""What the client's state means for this user: who we are, what we may do, which timer runs.
Plain functions of the SDK's Client, shared by the widgets and the app's key checks."""

from __future__ import annotations

from typing import Any

from collab_client import Client
from collab_protocol import INTERVIEW_PHASES, Phase


def me(client: Client | None) -> dict[str, Any]:
    return (client.you or {}) if client is not None else {}


def role(client: Client | None) -> str:
    return str(me(client).get("role", ""))


def my_name(client: Client | None) -> str:
    return str(me(client).get("name", ""))


def can_end(client: Client | None) -> bool:
    """What the server's `actions` say; from a server that lists none, by role and phase."""
    if client is None or client.session is None:
        return False
    allowed = client.may("end_interview")
    if allowed is not None:
        return allowed
    return role(client) == "interviewer" and client.session.phase in INTERVIEW_PHASES


def can_set_question(client: Client | None) -> bool:
    """As can_end; before the session message arrives, the interviewer may."""
    if client is None or client.session is None:
        return client is not None and role(client) == "interviewer"
    allowed = client.may("set_question")
    if allowed is not None:
        return allowed
    return role(client) == "interviewer" and client.session.phase in INTERVIEW_PHASES


def may_edit(client: Client) -> bool:
    """Whether the code is writable for us: not for a guest, nor once the session says so."""
    return role(client) != "guest" and not (client.session is not None
                                            and client.session.read_only)


def deadline_ms(client: Client | None) -> int | None:
    """When the running phase timer fires: session.ends_at, or for the unmask question the
    deadline its status carries (the same instant, when both are sent)."""
    if client is None or client.session is None:
        return None
    if client.session.ends_at:
        return client.session.ends_at
    if client.session.phase == Phase.REVEALED and client.unmask_status is not None:
        return client.unmask_status.deadline
    return None
