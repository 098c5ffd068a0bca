"""Every WebSocket close code the server sends (SPEC 16.2), with its meaning and whether a
client should reconnect. SPEC.md's table and the web client's list are generated from this
(protocol/gen_schema.py)."""

from enum import IntEnum


class CloseCode(IntEnum):
    # The text of each code lives in CLOSE_INFO below (IntEnum members cannot carry it cleanly).
    NORMAL = 1000
    GOING_AWAY = 1001
    PROTOCOL_ERROR = 1002
    BAD_DATA = 1007
    TOO_BIG = 1009
    INTERNAL = 1011
    TRY_AGAIN = 1013
    SLOW = 4008
    RATE = 4029
    BAD = 4400
    FORBIDDEN = 4403
    DOC_TOO_LARGE = 4413
    PENDING = 4422

    @property
    def meaning(self) -> str:
        return CLOSE_INFO[self][0]

    @property
    def reconnect(self) -> bool:
        """Should a client reconnect by itself? (NORMAL: only if its user wants to.)"""
        return CLOSE_INFO[self][1]

    @property
    def advice(self) -> str:
        return CLOSE_INFO[self][2]


C = CloseCode
CLOSE_INFO: dict[CloseCode, tuple[str, bool, str]] = {
    C.NORMAL: ("Normal closure.", False, "Only if the user wants to."),
    C.GOING_AWAY: ("The server is shutting down.", True, "Yes, with backoff."),
    C.PROTOCOL_ERROR: (
        "WebSocket protocol error (section 16.6): unmasked or reserved frame, bad control frame,"
        " length not minimally encoded, a close frame with one byte of payload or a code a peer"
        " may not send.", False, "No: a client bug."),
    C.BAD_DATA: ("A close frame whose reason is not UTF-8.", False, "No."),
    C.TOO_BIG: (
        "A message exceeded `max_frame_bytes` (fragments count their overhead, section 16.6).",
        False, "No: the same frame would be sent again (stock y-websocket retries anyway)."),
    C.INTERNAL: ("Internal server error.", True, "Yes, with backoff."),
    C.TRY_AGAIN: (
        "Try again later: the server cannot serve the room now (a store commit failed, so the"
        " room is reloaded from the store on the next join; cluster mode: the room moved to"
        " another node, or Redis cannot be reached), or the connection held the most bytes of"
        " unfinished messages when all connections together passed `partial_message_bytes`.",
        True, "Yes, with backoff."),
    C.SLOW: (
        "Slow consumer: more than `outbox_max_bytes` sent to the connection and not yet taken.",
        True, "Yes: the sync on reconnect catches up."),
    C.RATE: (
        "Document updates over `update_rate` or `update_work_rate`, or frames over the message"
        " budget (`message_rate`, `message_bytes_rate`).", True, "Yes, with backoff."),
    C.BAD: (
        "Malformed frame, undecodable or invalid Yjs update, an update over `max_update_work`,"
        " text frame, unsupported version, or more than `refused_messages` refused frames and"
        " collabd messages: a client bug.", False, "No."),
    C.FORBIDDEN: (
        "Forbidden, e.g. removed from the session, a document update under another"
        " participant's client id (one it wrote with, or its awareness id, live or reserved), or"
        " under more than `max_client_ids` ids.", False, "No."),
    C.DOC_TOO_LARGE: (
        "The update would take the sender's share of the document over `max_doc_bytes` /"
        " `doc_shares` (section 16.3): only the sender's own bytes count.", False, "No."),
    C.PENDING: (
        "Too many updates with missing dependencies (`pending_updates`).", False, "No."),
}
del C
