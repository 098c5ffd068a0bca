"""Vectors of the y-protocols messages (types 0-3) and of frames holding several."""

from __future__ import annotations

from collab_protocol import messages as m

from .common import Case, Recorder, awareness, yjs_docs


def yjs_cases() -> dict[str, list[Case]]:
    y = yjs_docs()
    a: Recorder = y["a"]
    return {
        "sync_step1": [
            ("state vector of an empty document", m.SyncStep1(y["empty_sv"])),
            (
                "state vector of a document with content from one client",
                m.SyncStep1(a.doc.get_state()),
            ),
        ],
        "sync_step2": [
            (
                "the whole document (answer to an empty state vector)",
                m.SyncStep2(a.doc.get_update()),
            ),
            (
                "only what the peer lacks (answer to a non-empty state vector)",
                m.SyncStep2(a.doc.get_update(y["sv_before_emoji"])),
            ),
            ("an empty document: no structs, empty delete set", m.SyncStep2(y["empty_update"])),
        ],
        "sync_update": [
            ("insert ASCII text into `code`", m.SyncUpdate(a.updates[0])),
            ("set `meta`.language", m.SyncUpdate(a.updates[1])),
            ("insert accented, emoji and CJK text into `code`", m.SyncUpdate(a.updates[2])),
            ("add a pen element to `board`", m.SyncUpdate(a.updates[3])),
            ("add a text element with non-ASCII text to `board`", m.SyncUpdate(a.updates[4])),
            ("delete a range of `code`", m.SyncUpdate(a.updates[5])),
        ],
        "awareness": [
            ("keepalive: an update with no entries (frame 01 01 00)", awareness()),
            (
                "one state as the server relays it (user stamped by the server)",
                awareness(
                    (
                        3141592653,
                        4,
                        {
                            "user": {
                                "name": "Amber Lynx",
                                "color": "#e67e22",
                                "colorLight": "#e67e2233",
                            },
                            "cursor": {"anchor": 12, "head": 17},
                        },
                    )
                ),
            ),
            ("removal: state null (the client left)", awareness((3141592653, 5, None))),
            (
                "several entries, non-ASCII text, large client id and clock",
                awareness(
                    (
                        1,
                        1,
                        {
                            "user": {
                                "name": "Zoë 🦊 狐狸",
                                "color": "#1abc9c",
                                "colorLight": "#1abc9c33",
                            }
                        },
                    ),
                    (4294967295, 300, {"typing": True, "note": "ünïcødé ✓"}),
                    (2**53 - 1, 2**32, None),
                ),
            ),
        ],
        "auth_denied": [
            ("ASCII reason", m.AuthDenied("removed from the session")),
            ("non-ASCII reason", m.AuthDenied("accès refusé 🚫 拒绝")),
            ("empty reason", m.AuthDenied("")),
        ],
        "query_awareness": [("query awareness: no payload", m.QueryAwareness())],
    }


def frame_cases() -> list[tuple[str, list[m.Message]]]:
    y = yjs_docs()
    a: Recorder = y["a"]
    user = {"name": "Teal Heron", "color": "#1abc9c", "colorLight": "#1abc9c33"}
    return [
        (
            "server greeting: SyncStep1 then every awareness state",
            [m.SyncStep1(a.doc.get_state()), awareness((77, 3, {"user": user}))],
        ),
        (
            "SyncStep2 followed by an update",
            [m.SyncStep2(a.doc.get_update(y["sv_before_emoji"])), m.SyncUpdate(a.updates[5])],
        ),
        ("three keepalives", [awareness(), awareness(), awareness()]),
        (
            "collabd message between Yjs messages",
            [m.QueryAwareness(), m.ChatPost(text="hé 👋", nonce="c-3"), awareness((77, 4, None))],
        ),
    ]


# ---------------------------------------------------------------- invalid frames
