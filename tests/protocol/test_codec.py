"""Frame codec: every message kind round-trips; any input decodes or raises ProtocolError."""

import dataclasses
import types
import typing
from typing import Any

import msgpack  # type: ignore[import-untyped]
import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collab_protocol import (
    KINDS,
    BadPayload,
    CollabMessage,
    DecodeError,
    InvalidMessage,
    Message,
    ProtocolError,
    TooLarge,
    UnknownKind,
    decode_frame,
    encode,
    from_map,
    to_map,
)
from collab_protocol import messages as m
from collab_protocol.codec import MAX_DEPTH, MAX_MESSAGES_PER_FRAME
from collab_protocol.lib0 import write_var_uint8_array

SAFE = 2**53 - 1
ERROR_CODES = {"bad_message", "unknown_kind"}
MESSAGE_TYPES = typing.get_args(m.YMessage) + (CollabMessage,)

text = st.text(st.characters(codec="utf-8"), max_size=40)

# Any value a dict/list field may hold (SPEC 7: no binaries inside fields).
msgpack_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False)
    | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=6,
)


def strategy_for(tp: Any) -> st.SearchStrategy[Any]:
    """A strategy for values of one dataclass field type, as the codec's schema reads it."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:  # Int, Map, List: the bounds hold for what is drawn here
        return strategy_for(typing.get_args(tp)[0])
    if origin in (types.UnionType, typing.Union):
        return st.one_of([strategy_for(arg) for arg in typing.get_args(tp)])
    if tp is type(None):
        return st.none()
    if tp is int:
        return st.integers(-SAFE, SAFE)
    if tp is bool:
        return st.booleans()
    if tp is float:
        return st.floats(allow_nan=False)
    if tp is str:
        return text
    if tp is bytes:
        return st.binary(max_size=40)
    if origin is dict or tp is dict:
        return st.dictionaries(text, msgpack_values, max_size=4)
    if origin is list or tp is list:
        return st.lists(msgpack_values, max_size=4)
    raise AssertionError(f"no strategy for {tp!r}: add one")


def message_strategy(cls: type[Any]) -> st.SearchStrategy[Any]:
    required: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    if dataclasses.is_dataclass(cls):
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            required[f.name] = strategy_for(hints[f.name])
    else:
        for info in msgspec.structs.fields(cls):
            (required if info.required else optional)[info.name] = strategy_for(info.type)
    # Optional fields are sometimes left out, so the defaults travel too.
    return st.fixed_dictionaries(required, optional=optional).map(lambda kw: cls(**kw))


Y_CLASSES = list(typing.get_args(m.YMessage))
ALL_CLASSES = Y_CLASSES + list(KINDS.values())
any_message = st.one_of([message_strategy(cls) for cls in ALL_CLASSES])


def canonical(frame: bytes) -> bytes:
    return b"".join(encode(msg) for msg in decode_frame(frame))


def check_decodes_or_protocol_error(data: bytes) -> None:
    """The robustness contract: messages, or a ProtocolError with a known code. Nothing else."""
    try:
        msgs = decode_frame(data)
    except ProtocolError as exc:
        assert exc.code in ERROR_CODES
        return
    assert 1 <= len(msgs) <= MAX_MESSAGES_PER_FRAME
    assert all(isinstance(msg, MESSAGE_TYPES) for msg in msgs)
    # What decoded re-encodes, and the re-encoding is a fixed point.
    again = canonical(data)
    assert canonical(again) == again


def collab_frame(payload: bytes) -> bytes:
    out = bytearray([m.MSG_COLLAB])
    write_var_uint8_array(out, payload)
    return bytes(out)


# ---------------------------------------------------------------- round trips


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: getattr(c, "KIND", "") or c.__name__)
@settings(deadline=None)  # timing varies on a shared machine
@given(data=st.data())
def test_round_trip_every_kind(cls: type[Any], data: st.DataObject) -> None:
    msg = data.draw(message_strategy(cls))
    assert decode_frame(encode(msg)) == [msg]


@settings(deadline=None)
@given(st.lists(any_message, min_size=1, max_size=8))
def test_frames_hold_several_messages_in_order(msgs: list[Message]) -> None:
    frame = b"".join(encode(msg) for msg in msgs)
    assert decode_frame(frame) == msgs


V1_KINDS = {
    "hello",
    "welcome",
    "error",
    "ack",
    "session",
    "session.end",
    "chat.post",
    "chat.msg",
    "chat.history",
    "chat.typing",
    "signal",
    "ice.servers",
    "feedback.submit",
    "feedback.status",
    "feedback.reveal",
    "unmask.answer",
    "unmask.status",
    "unmask.result",
    "run.result",
    "run.msg",
    "run.history",
    "question.set",
    "question",
    "notes.save",
    "notes",
    "timeline.get",
    "timeline",
    "recording.consent",
    "recording",
    "recording.chunk",
    "recording.get",
    "recording.chunks",
}


def test_every_kind_is_a_registered_frozen_struct_tagged_with_its_kind() -> None:
    assert set(KINDS) == V1_KINDS  # a new kind needs a SPEC.md section and vectors
    for kind, cls in KINDS.items():
        assert cls.KIND == kind
        config = cls.__struct_config__
        assert config.frozen and config.forbid_unknown_fields
        assert (config.tag_field, config.tag) == ("t", kind)


# ---------------------------------------------------------------- exact bytes


@pytest.mark.parametrize(
    ("msg", "hex_"),
    [
        (m.SyncStep1(b"\x00"), "00000100"),
        (m.SyncStep2(b"\x00\x00"), "00010200" + "00"),
        (m.SyncUpdate(b"\x01\x02"), "00020201" + "02"),
        (m.AwarenessMessage(b"\x00"), "010100"),
        (m.AuthDenied("é🌍"), "0200" + "06" + "c3a9f09f8c8d"),  # 6 UTF-8 bytes, not 2 chars
        (m.QueryAwareness(), "03"),
        # 0x64 = 100, then the payload length, then msgpack {"t": "session.end"}
        (m.EndInterview(), "640f" + "81a174ab73657373696f6e2e656e64"),
    ],
)
def test_exact_bytes(msg: Message, hex_: str) -> None:
    assert encode(msg).hex() == hex_
    assert decode_frame(bytes.fromhex(hex_)) == [msg]


def test_map_has_t_first_then_fields_in_order_with_wire_names() -> None:
    msg = m.ChatMsg(id=3, ts=9, from_={"id": "p"}, text="x")
    assert list(to_map(msg)) == ["t", "id", "ts", "from", "text", "nonce"]
    payload = encode(msg)[2:]
    assert list(msgpack.unpackb(payload)) == ["t", "id", "ts", "from", "text", "nonce"]


def test_none_fields_are_left_out_but_falsy_defaults_travel() -> None:
    assert to_map(m.ChatTyping(on=True)) == {"t": "chat.typing", "on": True}
    assert to_map(m.SessionState(phase="lobby", participants=[])) == {
        "t": "session",
        "phase": "lobby",
        "participants": [],
        "read_only": False,
        "unmask_offered": False,
    }
    assert to_map(m.Hello(v=1)) == {"t": "hello", "v": 1, "client": "", "chat_after": 0}


def test_encode_refuses_non_messages() -> None:
    with pytest.raises(TypeError):
        encode("hello")  # type: ignore[arg-type]


# ---------------------------------------------------------------- field checks


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(InvalidMessage, match="no field 'feature'"):
        from_map({"t": "hello", "v": 1, "feature": ["x"]})
    with pytest.raises(InvalidMessage):
        decode_frame(collab_frame(msgpack.packb({"t": "hello", "v": 1, "feature": ["x"]})))


def test_explicit_nil_for_an_optional_field_is_none() -> None:
    got = from_map({"t": "session", "phase": "live", "participants": [], "ends_at": None})
    assert got == m.SessionState(phase="live", participants=[], ends_at=None)


@pytest.mark.parametrize(
    "payload",
    [
        {"t": "hello", "v": None},  # nil for a required field
        {"t": "hello"},
        {"t": "hello", "v": 1.0},  # a float is not an int
        {"t": "hello", "v": False},  # nor is a bool
        {"t": "hello", "v": 1, "client": None},  # optional, but not nullable
        {"t": "chat.typing", "on": 1},
        {"t": "welcome", "v": 1, "room": "r", "you": [], "limits": {}},
        {"t": "session", "phase": "live", "participants": {}},
        {"t": "signal", "kind": "ice", "data": {}, "from": "p-1"},
    ],
)
def test_mistyped_fields_are_invalid(payload: dict[str, Any]) -> None:
    with pytest.raises(InvalidMessage):
        from_map(payload)


@pytest.mark.parametrize("value", [SAFE, -SAFE, 0])
def test_ints_within_js_safe_range_pass(value: int) -> None:
    assert from_map({"t": "hello", "v": value}) == m.Hello(v=value)


@pytest.mark.parametrize("value", [SAFE + 1, -SAFE - 1, 2**64 - 1, -(2**63)])
def test_ints_outside_js_safe_range_are_invalid(value: int) -> None:
    with pytest.raises(InvalidMessage):
        decode_frame(collab_frame(msgpack.packb({"t": "hello", "v": value})))


@pytest.mark.parametrize("payload", [["hello"], "hello", 1, None, {}, {"t": 1}, {"t": b"hello"}])
def test_payload_must_be_a_map_with_a_string_kind(payload: Any) -> None:
    with pytest.raises(InvalidMessage):
        from_map(payload)


def test_unknown_kind_has_its_own_code_and_a_bounded_message() -> None:
    with pytest.raises(UnknownKind) as info:
        decode_frame(collab_frame(msgpack.packb({"t": "x" * 10_000})))
    assert info.value.code == "unknown_kind"
    assert len(str(info.value)) < 100


def test_error_codes_and_where_the_fault_lies() -> None:
    assert DecodeError.code == InvalidMessage.code == ProtocolError.code == "bad_message"
    assert BadPayload.code == "bad_message"
    assert UnknownKind.code == "unknown_kind"
    assert issubclass(ProtocolError, ValueError) and issubclass(BadPayload, DecodeError)
    # Framing faults close the connection (4400); payload faults get an `error` reply.
    assert not DecodeError.in_payload
    assert BadPayload.in_payload and InvalidMessage.in_payload and UnknownKind.in_payload


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        (b"\xc1", BadPayload),
        (b"\x80\xc0", BadPayload),  # an empty map, then a stray nil
        (b"\x81\x01\xc0", BadPayload),  # integer map key
        (b"\x90", InvalidMessage),  # an empty array
        (b"\x81\xa1t\xa3zzz", UnknownKind),
    ],
)
def test_payload_faults_are_marked_in_payload(payload: bytes, error: type[ProtocolError]) -> None:
    with pytest.raises(ProtocolError) as info:
        decode_frame(collab_frame(payload))
    assert type(info.value) is error and info.value.in_payload


def test_message_count_cap() -> None:
    assert len(decode_frame(b"\x03" * MAX_MESSAGES_PER_FRAME)) == MAX_MESSAGES_PER_FRAME
    with pytest.raises(DecodeError):
        decode_frame(b"\x03" * (MAX_MESSAGES_PER_FRAME + 1))


def test_deeply_nested_msgpack_is_a_decode_error() -> None:
    payload = msgpack.packb({"t": "signal", "kind": "x", "data": {}})[:-1] + b"\x91" * 5000
    with pytest.raises(DecodeError):
        decode_frame(collab_frame(payload + b"\xc0"))


def signal_with(data_raw: bytes) -> bytes:
    """A signal frame whose `data` field is the given msgpack bytes."""
    head = msgpack.packb({"t": "signal", "kind": "hangup", "to": "p"})
    return collab_frame(bytes([head[0] + 1]) + head[1:] + msgpack.packb("data") + data_raw)


@pytest.mark.parametrize(
    "data_raw",
    [
        b"\x81\xa1a\x81\x01\xc0",  # an integer key one level down
        b"\x81\xa1a\x91\x81\xc4\x01k\xc0",  # a binary key two levels down
        b"\x81\xa1a\xc4\x01x",  # a binary value inside a field
        b"\x81\xa1a\xd4\x01\x00",  # an extension type inside a field
        b"\x81\xa1a" + b"\x91" * MAX_DEPTH + b"\xc0",  # nested one level too deep
    ],
)
def test_values_inside_fields_follow_section_7_at_every_depth(data_raw: bytes) -> None:
    with pytest.raises(BadPayload):
        decode_frame(signal_with(data_raw))


def test_nesting_up_to_the_bound_is_read() -> None:
    [msg] = decode_frame(signal_with(b"\x81\xa1a" + b"\x91" * (MAX_DEPTH - 1) + b"\xc0"))
    assert isinstance(msg, m.Signal)


def test_unknown_fields_are_refused_unread() -> None:
    """What the kind does not name is never built (a million empty arrays here)."""
    junk = b"\xdd" + (1_000_000).to_bytes(4, "big") + b"\x90" * 1_000_000
    payload = b"\x83\xa1t\xa5hello\xa1v\x01\xa4junk" + junk
    with pytest.raises(InvalidMessage, match="no field 'junk'"):
        decode_frame(collab_frame(payload))


def test_a_field_of_maps_and_arrays_is_bounded_in_bytes() -> None:
    frame = signal_with(msgpack.packb({"sdp": "x" * 2000}))
    assert len(decode_frame(frame, nested_bytes=4096)) == 1
    with pytest.raises(TooLarge) as info:
        decode_frame(frame, nested_bytes=1024)
    assert info.value.code == "too_large" and info.value.in_payload
    # strings are not nested: a long chat text is not bounded by it
    chat = collab_frame(msgpack.packb({"t": "chat.post", "text": "y" * 5000}))
    assert decode_frame(chat, nested_bytes=1024) == [m.ChatPost(text="y" * 5000)]


# ---------------------------------------------------------------- robustness


@settings(deadline=None, max_examples=300)
@given(st.binary(max_size=200))
def test_arbitrary_bytes(data: bytes) -> None:
    check_decodes_or_protocol_error(data)


@settings(deadline=None, max_examples=300)
@given(st.sampled_from([0, 1, 2, 3, 100]), st.binary(max_size=200))
def test_arbitrary_bytes_after_a_known_type(mtype: int, rest: bytes) -> None:
    check_decodes_or_protocol_error(bytes([mtype]) + rest)


mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10_000), st.integers(1, 255)),
    st.tuples(st.just("insert"), st.integers(0, 10_000), st.integers(0, 255)),
    st.tuples(st.just("delete"), st.integers(0, 10_000), st.just(0)),
    st.tuples(st.just("truncate"), st.integers(0, 10_000), st.just(0)),
)


def mutate(data: bytes, ops: list[tuple[str, int, int]]) -> bytes:
    buf = bytearray(data)
    for op, where, value in ops:
        i = where % (len(buf) + 1)
        if op == "flip" and i < len(buf):
            buf[i] ^= value
        elif op == "insert":
            buf.insert(i, value)
        elif op == "delete" and i < len(buf):
            del buf[i]
        elif op == "truncate":
            del buf[i:]
    return bytes(buf)


@settings(deadline=None, max_examples=300)
@given(st.lists(any_message, min_size=1, max_size=3), st.lists(mutation, min_size=1, max_size=4))
def test_mutated_valid_frames(msgs: list[Message], ops: list[tuple[str, int, int]]) -> None:
    check_decodes_or_protocol_error(mutate(b"".join(encode(x) for x in msgs), ops))


WIRE_NAMES = sorted({f.encode_name for cls in KINDS.values() for f in msgspec.structs.fields(cls)})


@settings(deadline=None, max_examples=300)
@given(
    st.sampled_from(sorted(KINDS)) | text,
    st.dictionaries(st.sampled_from(WIRE_NAMES) | text, msgpack_values, max_size=8),
)
def test_collab_maps_with_random_fields(kind: str, fields: dict[str, Any]) -> None:
    payload = msgpack.packb({"t": kind, **fields}, use_bin_type=True)
    check_decodes_or_protocol_error(collab_frame(payload))


@settings(deadline=None, max_examples=300)
@given(msgpack_values)
def test_collab_payloads_of_any_msgpack_value(value: Any) -> None:
    check_decodes_or_protocol_error(collab_frame(msgpack.packb(value, use_bin_type=True)))
