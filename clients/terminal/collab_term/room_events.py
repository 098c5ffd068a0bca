"""How what the room sends reaches the screen.

The SDK's callbacks only post RoomMessage and ClientStatus to the app. The app hands each to the
RoomViews that WATCH that message (or STATUS kind); a view reads what it shows from the client
into reactive fields, so it redraws only itself, and only when something it shows changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text as RichText
from textual.message import Message

from collab_client import Client
from collab_protocol import (
    ChatHistory,
    ChatMsg,
    CollabMessage,
    FeedbackReveal,
    FeedbackStatus,
    RunHistory,
    RunMsg,
    SessionState,
    UnmaskResult,
    UnmaskStatus,
    Welcome,
)

# the messages that change the session's view: who is here, the phase, feedback and unmask
SESSION_VIEW: tuple[type[CollabMessage], ...] = (
    Welcome, SessionState, FeedbackStatus, FeedbackReveal, UnmaskStatus, UnmaskResult)
CHAT: tuple[type[CollabMessage], ...] = (ChatMsg, ChatHistory)
RUNS: tuple[type[CollabMessage], ...] = (RunMsg, RunHistory)
# the SDK's status kinds for the connection itself
CONNECTION = frozenset({"connected", "disconnected", "stopped", "closed"})


class RoomMessage(Message):
    """A collabd message arrived (the SDK has already applied it to the client's state)."""

    def __init__(self, msg: CollabMessage) -> None:
        super().__init__()
        self.msg = msg


class ClientStatus(Message):
    """The SDK's status callback: "connected", "disconnected", "awareness", "doc", ..."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind


Say = Callable[[str, str], None]  # (icon, text): a line for the log


def log_line(icon: str, text: str) -> RichText:
    """A room notice for the log: the icon in bold, the text in italics."""
    line = RichText(f"{icon} ", style="bold")
    line.append(text, style="italic")
    return line


class RoomView:
    """A widget that shows part of the room. Mixed into a Textual widget: the app attaches the
    client once it has joined, then calls room_message / room_status for what the view WATCHES.
    Lines for the log go through `say`, in the same step as the change they tell of."""

    WATCHES: ClassVar[tuple[type[CollabMessage], ...]] = ()
    STATUS: ClassVar[frozenset[str]] = frozenset()

    client: Client | None = None
    _say: Say | None = None

    def say(self, icon: str, text: str) -> None:
        """A line in the log."""
        if self._say is not None:
            self._say(icon, text)

    def attach(self, client: Client, say: Say) -> None:
        self.client = client
        self._say = say
        self.show()

    def show(self) -> None:
        """Set the view's reactive fields from the client's state."""

    def room_message(self, msg: CollabMessage) -> None:
        self.show()

    def room_status(self, kind: str) -> None:
        self.show()
