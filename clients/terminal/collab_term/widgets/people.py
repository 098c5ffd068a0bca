"""Who is here: the participants with their status, and (--practice) the partner's link until
the partner has joined."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.text import Text as RichText
from textual.reactive import reactive
from textual.widgets import Static

from collab_client import Client

from ..room_events import SESSION_VIEW, RoomView
from ..roomstate import me

MARKS = {"connected": "●", "reconnecting": "◌", "away": "○"}


def people_lines(client: Client) -> tuple[str, ...]:
    """One line per participant (Rich markup): from the session, or in a plain room from the
    awareness states of whoever is here."""
    lines = []
    mine = me(client).get("id")
    if client.session is not None:
        for p in client.session.participants:
            mark = MARKS.get(str(p.get("status")), "·")
            you = " (you)" if p.get("id") == mine else ""
            lines.append(f"[{p.get('color', '#888888')}]{mark} {escape(str(p.get('name')))}[/] "
                         f"{p.get('role')}{you} — {p.get('status')}")
    else:
        for st in client.awareness.values():
            user = st.get("user") or {}
            lines.append(f"[{user.get('color', '#888888')}]● "
                         f"{escape(str(user.get('name', '?')))}[/]")
    return tuple(lines)


class PeopleList(RoomView, Static):
    """One line per participant."""

    DEFAULT_CSS = "PeopleList { height: auto; padding: 0 1; }"
    WATCHES = SESSION_VIEW
    STATUS = frozenset({"awareness"})  # a plain room lists who is here from awareness

    people: reactive[tuple[str, ...]] = reactive(tuple)

    def watch_people(self, people: tuple[str, ...]) -> None:
        self.update("\n".join(people) or "nobody here yet")

    def show(self) -> None:
        if self.client is not None:
            self.people = people_lines(self.client)

    def room_status(self, kind: str) -> None:
        if self.client is not None and self.client.session is None:
            self.show()


class InviteBanner(RoomView, Static):
    """--practice: the interviewee's join link, in full, until someone else has connected."""

    DEFAULT_CSS = "InviteBanner { height: auto; background: $boost; padding: 0 1; }"
    WATCHES = SESSION_VIEW

    def __init__(self, link: str, **kw: Any) -> None:
        super().__init__(RichText.assemble(
            ("Send the interviewee this link (f9 copies it): ", "bold"), (link, "underline"),
            overflow="fold"), **kw)

    def show(self) -> None:
        client = self.client
        if client is None or client.session is None:
            return
        mine = me(client).get("id")
        others_here = any(p.get("id") != mine and p.get("status") == "connected"
                          for p in client.session.participants)
        self.set_class(others_here, "hidden")
