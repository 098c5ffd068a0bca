"""Dispatch of collabd messages, on fakes: one handler per kind a client sends."""

from __future__ import annotations

import re
from pathlib import Path

from collab_protocol import (
    KINDS,
    ChatMsg,
    ChatPost,
    ChatTyping,
    EndInterview,
    Error,
    Hello,
    Notes,
    NotesSave,
    Welcome,
)
from collabd.runtime.handlers import HANDLERS

from .fakes import fake_conn, fake_hub

SPEC = Path(__file__).resolve().parents[2] / "protocol" / "SPEC.md"


def client_kinds() -> set[str]:
    """The kinds SPEC section 8 marks as sent by clients (C→S)."""
    return set(re.findall(r"^#### `([a-z.]+)` — C→S", SPEC.read_text(), re.M))


def test_every_kind_a_client_sends_has_one_handler() -> None:
    handled = {cls.KIND for cls in HANDLERS}
    assert handled == client_kinds()
    assert all(KINDS[kind] in HANDLERS for kind in handled)


async def test_chat_post_is_stored_then_sent_to_every_hello_connection(tmp_path: Path) -> None:
    hub, store, services = fake_hub(tmp_path)
    a, sock_a = fake_conn(hub, "plain", "p-a")
    b, sock_b = fake_conn(hub, "plain", "p-b")
    room = await hub.join("plain", a)
    await hub.join("plain", b)
    await services.on_message(room, a, ChatPost("hello there", "n1"))
    assert [r["text"] for r in store.chat["plain"]] == ["hello there"]
    (mine,), (theirs,) = sock_a.collab(ChatMsg), sock_b.collab(ChatMsg)
    assert (mine.text, mine.nonce, theirs.nonce) == ("hello there", "n1", "")
    await hub.close()


async def test_typing_reaches_the_others_only(tmp_path: Path) -> None:
    hub, _, services = fake_hub(tmp_path)
    a, sock_a = fake_conn(hub, "plain", "p-a")
    b, sock_b = fake_conn(hub, "plain", "p-b")
    room = await hub.join("plain", a)
    await hub.join("plain", b)
    await services.on_message(room, a, ChatTyping(True))
    assert sock_a.collab(ChatTyping) == []
    assert [m.from_["id"] for m in sock_b.collab(ChatTyping)] == ["p-a"]
    await hub.close()


async def test_notes_reach_their_owner_only(tmp_path: Path) -> None:
    hub, store, services = fake_hub(tmp_path)
    a, sock_a = fake_conn(hub, "plain", "p-a")
    b, sock_b = fake_conn(hub, "plain", "p-b")
    room = await hub.join("plain", a)
    await hub.join("plain", b)
    await services.on_message(room, a, NotesSave("private", "n2"))
    assert [m.text for m in sock_a.collab(Notes)] == ["private"]
    assert sock_b.collab(Notes) == []
    assert store.notes[("plain", "p-a")][0] == "private"
    await hub.close()


async def test_kinds_without_a_handler_and_sessionless_rooms(tmp_path: Path) -> None:
    hub, store, services = fake_hub(tmp_path)
    a, sock = fake_conn(hub, "plain", "p-a")
    room = await hub.join("plain", a)
    await services.on_message(room, a, Welcome(1, "plain", {}, {}))  # a server-only kind
    await services.on_message(room, a, EndInterview())
    await services.on_message(room, a, Hello(1))
    codes = [(e.code, e.message) for e in sock.collab(Error)]
    assert codes == [("not_found", "welcome needs an interview session"),
                     ("not_found", "session.end needs an interview session"),
                     ("bad_message", "hello was already received")]
    assert store.saved_sessions == []
    await hub.close()
