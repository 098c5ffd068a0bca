"""Errors raised by the codec.

ProtocolError            base: the bytes or the message break this spec
  DecodeError            the bytes are not a well-formed frame (bad varUint, truncated, bad msgpack)
  InvalidMessage         well-formed, but a collabd message has missing or mistyped fields
  UnknownKind            a collabd message whose kind this version does not know

`code` is the stable error code the server puts in its `error` message (see SPEC.md).
"""


class ProtocolError(ValueError):
    code = "bad_message"


class DecodeError(ProtocolError):
    code = "bad_message"


class InvalidMessage(ProtocolError):
    code = "bad_message"


class UnknownKind(ProtocolError):
    code = "unknown_kind"
