"""What the SDK tells the app, as Textual messages: its callbacks post these, and the app's
handlers update only the widgets a message concerns."""

from __future__ import annotations

from textual.message import Message

from collab_protocol import CollabMessage


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
