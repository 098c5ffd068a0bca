"""adapters/websocket.py against websockets' sans-I/O `Protocol` (server side, OPEN) on the same
random byte streams: valid and mutated frames, random fragmentation, random read splits. Both
must deliver the same messages, answer the same pings and fail (or close) with the same code.

Where our parser is stricter on purpose (adapters/websocket.py's docstring), the test finds the
first frame where that applies, gives websockets the stream before it, and expects ours to
agree on everything before that frame and then close with the code we document:
* a length not minimally encoded, or a 64-bit length with the top bit set: 1002;
* fragments charged their header and FRAGMENT_COST past max_frame_bytes: 1009 (websockets counts
  payload bytes only);
* a close frame between fragments: websockets answers 1002, RFC 6455 5.4 allows control frames
  there, so ours handles it as any close frame.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ProtocolError
from websockets.frames import Close, Frame, Opcode
from websockets.protocol import Protocol, Side, State

from collabd.adapters.websocket import FRAGMENT_COST, FrameProtocol, PartialBudget, unmask
from support.fake_transport import FakeTransport

CONT, TEXT, BINARY, CLOSE, PING, PONG = 0, 1, 2, 8, 9, 10


@dataclass
class Outcome:
    messages: list[tuple[bool, bytes]] = field(default_factory=list)
    pongs: list[bytes] = field(default_factory=list)
    code: int | None = None  # of the close frame sent; 1005 for an empty one


def server_frames(data: bytes) -> list[tuple[int, bytes]]:
    """The (unmasked, final) frames a server wrote."""
    out, pos = [], 0
    while pos < len(data):
        b0, n = data[pos], data[pos + 1] & 0x7F
        pos += 2
        if n == 126:
            n, pos = int.from_bytes(data[pos:pos + 2], "big"), pos + 2
        elif n == 127:
            n, pos = int.from_bytes(data[pos:pos + 8], "big"), pos + 8
        assert b0 & 0x80 and not b0 & 0x70
        out.append((b0 & 0x0F, bytes(data[pos:pos + n])))
        pos += n
    return out


def outcome_of(written: bytes, messages: list[tuple[bool, bytes]]) -> Outcome:
    result = Outcome(messages)
    for op, payload in server_frames(written):
        if op == PONG:
            result.pongs.append(payload)
        elif op == CLOSE:
            assert result.code is None, "two close frames"
            assert len(payload) != 1
            result.code = int.from_bytes(payload[:2], "big") if payload else 1005
            payload[2:].decode()  # what we send is valid
            Close.parse(payload)
    return result


def run_ours(chunks: list[bytes], max_size: int) -> Outcome:
    transport = FakeTransport()
    messages: list[tuple[bool, bytes]] = []
    budget = PartialBudget(1 << 40)
    sock = FrameProtocol(transport, max_size,  # type: ignore[arg-type]
                         lambda payload, binary: messages.append((binary, payload)),
                         lambda code: None, budget)
    for chunk in chunks:
        sock.data_received(chunk)
    sock.connection_lost(None)
    assert budget.total == 0 and not budget.holders, "a closed socket still holds bytes"
    return outcome_of(bytes(transport.out), messages)


def run_theirs(chunks: list[bytes], max_size: int) -> Outcome:
    proto = Protocol(Side.SERVER, state=State.OPEN, max_size=max_size)
    for chunk in chunks:
        proto.receive_data(chunk)
    messages: list[tuple[bool, bytes]] = []
    parts: list[bytes] = []
    binary = True
    for frame in proto.events_received():
        assert isinstance(frame, Frame)
        if frame.opcode in (Opcode.TEXT, Opcode.BINARY):
            binary, parts = frame.opcode is Opcode.BINARY, [bytes(frame.data)]
        elif frame.opcode is Opcode.CONT:
            parts.append(bytes(frame.data))
        else:
            continue
        if frame.fin:
            messages.append((binary, b"".join(parts)))
    return outcome_of(b"".join(proto.data_to_send()), messages)


def close_code_for(payload: bytes) -> int:
    """How websockets judges a close payload (what ours must answer for one between fragments)."""
    try:
        return Close.parse(payload).code
    except ProtocolError:
        return 1002
    except UnicodeDecodeError:
        return 1007


def stricter_at(stream: bytes, max_size: int) -> tuple[int, int] | None:
    """Where ours parts from websockets on purpose: (offset of the frame, our close code for it),
    or None if websockets fails first, the stream ends first, or nothing differs."""
    pos, end = 0, len(stream)
    ws_size: int | None = None  # websockets: payload of the fragmented message so far
    charged = 0  # ours: payload, headers and FRAGMENT_COST of the same fragments
    while end - pos >= 2:
        b0, b1 = stream[pos], stream[pos + 1]
        op = b0 & 0x0F
        if op not in (CONT, TEXT, BINARY, CLOSE, PING, PONG) or not b1 & 0x80:
            return None  # both: 1002
        n, head = b1 & 0x7F, pos + 2
        if n == 126:
            if end - head < 2:
                return None
            n, head = int.from_bytes(stream[head:head + 2], "big"), head + 2
            if n < 126:
                return pos, 1002
        elif n == 127:
            if end - head < 8:
                return None
            n, head = int.from_bytes(stream[head:head + 8], "big"), head + 8
            if n < 65536 or n >> 63:
                return pos, 1002
        if n > max_size - (ws_size or 0):
            return None  # both: 1009
        if n > max_size - charged:
            return pos, 1009
        if end - head < 4 + n:
            return None  # both wait for the rest
        if b0 & 0x70:
            return None  # both: 1002
        payload = unmask(stream[head + 4:head + 4 + n], stream[head:head + 4])
        fin, nxt = b0 & 0x80, head + 4 + n
        if op >= 8:
            if not fin or n > 125:
                return None  # both: 1002
            if op == CLOSE:
                return (pos, close_code_for(payload)) if ws_size is not None else None
        elif (op == CONT) == (ws_size is None):
            return None  # both: 1002 (continuation without a start, or a start inside one)
        elif op == CONT or not fin:
            ws_size = (ws_size or 0) + n
            charged += n + (head + 4 - pos) + FRAGMENT_COST
            if charged > max_size:
                return pos, 1009
            if fin:
                ws_size, charged = None, 0
        pos = nxt
    return None


def compare(stream: bytes, cuts: list[int], max_size: int) -> None:
    bounds = sorted({c % (len(stream) + 1) for c in cuts} | {0, len(stream)})
    chunks = [stream[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    ours = run_ours(chunks, max_size)
    split = stricter_at(stream, max_size)
    if split is None:
        assert ours == run_theirs(chunks, max_size)
        return
    at, code = split
    theirs = run_theirs([c for c in (ch[:max(0, at - a)] for ch, a in
                                     zip(chunks, bounds, strict=False)) if c], max_size)
    if theirs.code is not None:  # websockets failed before that frame: so must we
        assert ours == theirs
    else:
        assert (ours.messages, ours.pongs) == (theirs.messages, theirs.pongs)
        assert ours.code == code


# -- streams


def encode_frame(b0: int, payload: bytes, length: str, masked: bool) -> bytes:
    n = len(payload)
    bit = 0x80 if masked else 0
    if length == "huge":  # a 64-bit length with the top bit set, and no payload
        return bytes((b0, bit | 127)) + (1 << 63 | n).to_bytes(8, "big")
    if length == "min":
        length = "7" if n < 126 else "16" if n < 65536 else "64"
    if length == "7" and n < 126:
        head = bytes((b0, bit | n))
    elif length in ("7", "16") and n < 65536:
        head = bytes((b0, bit | 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((b0, bit | 127)) + n.to_bytes(8, "big")
    if not masked:
        return head + payload
    mask = os.urandom(4)
    return head + mask + unmask(payload, mask)


CODES = [1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013,
         1014, 1015, 1016, 1100, 2000, 2999, 3000, 3999, 4000, 4400, 4999, 5000, 65535, 0, 999]
REASONS = [b"", b"bye", "ça va 🌍".encode(), b"\xff", b"\xc3", b"\xed\xa0\x80", b"ok\xf4\x90"]


@st.composite
def close_payload(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["empty", "one", "code"]))
    if kind == "empty":
        return b""
    if kind == "one":
        return bytes([draw(st.integers(0, 255))])
    code = draw(st.sampled_from(CODES) | st.integers(0, 65535))
    return code.to_bytes(2, "big") + draw(st.sampled_from(REASONS))


payloads = st.one_of(
    st.binary(max_size=40),
    st.binary(min_size=100, max_size=400),
    st.sampled_from([b"", b"\x00" * 125, b"\x00" * 126, b"\x01" * 4000, b"\x02" * 70_000]),
)


@st.composite
def frame(draw: st.DrawFn, b0: int, payload: bytes) -> bytes:
    if draw(st.integers(0, 79)) == 0:
        b0 |= draw(st.sampled_from([0x10, 0x20, 0x40]))  # a reserved bit
    length = draw(st.sampled_from(["min"] * 150 + ["7", "16", "64", "huge"]))
    masked = draw(st.integers(0, 99)) != 0
    return encode_frame(b0, payload, length, masked)


@st.composite
def streams(draw: st.DrawFn) -> bytes:
    out: list[bytes] = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["message"] * 6 + ["control"] * 3 + ["raw"]))
        if kind == "message":
            op = draw(st.sampled_from([TEXT, BINARY]))
            pieces = draw(st.lists(payloads, min_size=1, max_size=6))
            for i, piece in enumerate(pieces):
                last = i == len(pieces) - 1
                out.append(draw(frame(0x80 * last | (op if i == 0 else CONT), piece)))
                if not last and draw(st.integers(0, 3)) == 0:  # a control frame in between
                    out.append(draw(control()))
        elif kind == "control":
            out.append(draw(control()))
        else:  # anything: a reserved opcode, a stray continuation, a fragmented ping...
            b0 = draw(st.integers(0, 255))
            out.append(draw(frame(b0, draw(payloads))))
    stream = bytearray(b"".join(out))
    for _ in range(draw(st.sampled_from([0] * 8 + [1, 2]))):  # flip a few bytes
        if stream:
            i = draw(st.integers(0, len(stream) - 1))
            stream[i] ^= draw(st.integers(1, 255))
    return bytes(stream)


@st.composite
def control(draw: st.DrawFn) -> bytes:
    op = draw(st.sampled_from([PING, PING, PONG, CLOSE]))
    payload = draw(close_payload()) if op == CLOSE else draw(st.binary(max_size=130))
    return draw(frame(0x80 | op, payload))


cut_lists = st.lists(st.integers(0, 1 << 20), max_size=30) | st.builds(
    lambda step: list(range(0, 1 << 18, step)), st.integers(1, 7))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stream=streams(), cuts=cut_lists, max_size=st.sampled_from([300, 5000, 100_000]))
def test_same_messages_pongs_and_close_codes_as_websockets(stream, cuts, max_size):
    compare(stream, cuts, max_size)


def test_the_oracle_sees_the_differences_it_allows():
    """The documented differences are real (so the comparison above does not hide others)."""
    for stream, code in [
        (encode_frame(0x82, b"x" * 10, "16", True), 1002),  # non-minimal 16-bit
        (encode_frame(0x82, b"x" * 10, "64", True), 1002),  # non-minimal 64-bit
        (encode_frame(0x82, b"", "huge", True), 1002),  # websockets: 1009
        (encode_frame(0x02, b"ab", "min", True)
         + encode_frame(0x88, (1000).to_bytes(2, "big"), "min", True), 1000),
    ]:
        assert stricter_at(stream, 1000) == (0 if code != 1000 else 8, code)
        assert run_ours([stream], 1000).code == code
        assert run_theirs([stream], 1000).code != code
    # 1-byte fragments: websockets takes 300 payload bytes, ours stops at the overhead
    frags = encode_frame(0x02, b"a", "min", True) + b"".join(
        encode_frame(0x00, b"a", "min", True) for _ in range(298)) + encode_frame(
        0x80, b"a", "min", True)
    assert run_theirs([frags], 300).messages == [(True, b"a" * 300)]
    assert run_ours([frags], 300).code == 1009
    compare(frags, [], 300)
