"""collab_protocol: the pure codec of the collabd wire protocol (see ../SPEC.md)."""

from .awareness import AwarenessEntry, decode_awareness, encode_awareness
from .close import CloseCode
from .codec import decode_frame, encode, from_map, to_map
from .errors import (
    BadPayload,
    DecodeError,
    InvalidMessage,
    ProtocolError,
    TooLarge,
    UnknownKind,
)
from .messages import *  # noqa: F403
from .messages import KINDS, PROTOCOL_VERSION, CollabMessage, Message
from .phases import INTERVIEW_PHASES, Phase

__all__ = [
    "KINDS", "PROTOCOL_VERSION", "AwarenessEntry", "BadPayload", "CloseCode", "CollabMessage",
    "DecodeError", "INTERVIEW_PHASES", "InvalidMessage", "Message", "Phase", "ProtocolError",
    "TooLarge", "UnknownKind",
    "decode_awareness", "decode_frame", "encode", "encode_awareness", "from_map", "to_map",
]
