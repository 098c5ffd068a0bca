"""Errors raised by the codec.

ProtocolError        base: the bytes or the message break this spec
  DecodeError        the bytes are not a well-formed frame (bad varUint, truncated, unknown type)
    BadPayload       a collabd payload that is not one msgpack value (its framing is intact)
      TooLarge       a collabd field over the reader's bound on maps and arrays (code too_large)
  InvalidMessage     well-formed, but a collabd message has missing or mistyped fields
  UnknownKind        a collabd message whose kind this version does not know

`code` is the stable error code the server puts in its `error` message (see SPEC.md).
`in_payload` is True when the fault lies inside a collabd (type 100) payload: the frame's framing
was intact, so the server answers `error` and keeps the connection instead of closing with 4400.
"""


class ProtocolError(ValueError):
    code = "bad_message"
    in_payload = False


class DecodeError(ProtocolError):
    code = "bad_message"


class BadPayload(DecodeError):
    in_payload = True


class TooLarge(BadPayload):
    code = "too_large"


class InvalidMessage(ProtocolError):
    code = "bad_message"
    in_payload = True


class UnknownKind(ProtocolError):
    code = "unknown_kind"
    in_payload = True
