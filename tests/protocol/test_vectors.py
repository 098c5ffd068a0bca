"""Golden vectors (protocol/vectors/): both directions, with an independent reading of each file.

Every case must satisfy encode(decoded) == hex and decode(hex) == decoded. The decoded form is
turned into messages here without the generator, so a wrong vector cannot pass by agreeing with
itself. The JS client's tests read the same files.
"""

import base64
import binascii
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import msgpack  # type: ignore[import-untyped]
import pytest

from collab_protocol import (
    KINDS,
    AwarenessEntry,
    Message,
    ProtocolError,
    decode_awareness,
    decode_frame,
    encode,
    encode_awareness,
    errors,
    from_map,
)
from collab_protocol import messages as m
from collab_protocol.lib0 import Reader

VECTORS = Path(__file__).resolve().parents[2] / "protocol" / "vectors"
Y_FILES = ["sync_step1", "sync_step2", "sync_update", "awareness", "auth_denied", "query_awareness"]
COLLAB_FILES = {"collab_" + kind.replace(".", "_"): kind for kind in KINDS}
OTHER_FILES = ["frames", "invalid", "join_token", "turn_credential"]


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))
    return data


def state_text(state: Any) -> str:
    """JSON.stringify's output: no whitespace, non-ASCII characters written as themselves."""
    return json.dumps(state, separators=(",", ":"), ensure_ascii=False)


def from_json(d: dict[str, Any]) -> Message:
    """The decoded (JSON) form of SPEC.md's Vectors section, read into a message."""
    t = d["type"]
    if t == "sync_step1":
        return m.SyncStep1(bytes.fromhex(d["state_vector"]))
    if t == "sync_step2":
        return m.SyncStep2(bytes.fromhex(d["update"]))
    if t == "sync_update":
        return m.SyncUpdate(bytes.fromhex(d["update"]))
    if t == "awareness":
        entries = [
            AwarenessEntry(e["client_id"], e["clock"], state_text(e["state"])) for e in d["entries"]
        ]
        return m.AwarenessMessage(encode_awareness(entries))
    if t == "auth_denied":
        return m.AuthDenied(d["reason"])
    if t == "query_awareness":
        return m.QueryAwareness()
    assert t == "collab", t
    return from_map(d["payload"])


def ordered(value: Any) -> Any:
    """Maps as lists of pairs, so comparisons see key order (msgpack maps keep it)."""
    if isinstance(value, dict):
        return [(k, ordered(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [ordered(v) for v in value]
    return value


def all_cases() -> list[tuple[str, dict[str, Any]]]:
    names = Y_FILES + sorted(COLLAB_FILES)
    return [(f"{n}: {c['description']}", c) for n in names for c in load(n)["cases"]]


CASES = all_cases()


# ---------------------------------------------------------------- the set of files


def test_one_file_per_kind_and_nothing_unexpected() -> None:
    on_disk = {p.stem for p in VECTORS.glob("*.json")}
    assert on_disk == set(Y_FILES) | set(COLLAB_FILES) | set(OTHER_FILES)


@pytest.mark.parametrize("name", Y_FILES + sorted(COLLAB_FILES) + OTHER_FILES)
def test_file_shape(name: str) -> None:
    data = load(name)
    assert data["name"] == COLLAB_FILES.get(name, name)
    descriptions = [c["description"] for c in data["cases"]]
    assert descriptions and len(set(descriptions)) == len(descriptions)
    if name in COLLAB_FILES:
        assert {c["message"]["payload"]["t"] for c in data["cases"]} == {COLLAB_FILES[name]}


# ---------------------------------------------------------------- both directions


@pytest.mark.parametrize(("case_id", "case"), CASES, ids=[c[0] for c in CASES])
def test_encode_decoded_gives_hex(case_id: str, case: dict[str, Any]) -> None:
    assert encode(from_json(case["message"])).hex() == case["hex"]


@pytest.mark.parametrize(("case_id", "case"), CASES, ids=[c[0] for c in CASES])
def test_decode_hex_gives_decoded(case_id: str, case: dict[str, Any]) -> None:
    assert decode_frame(bytes.fromhex(case["hex"])) == [from_json(case["message"])]


@pytest.mark.parametrize(("case_id", "case"), CASES, ids=[c[0] for c in CASES])
def test_independent_reading_of_the_bytes(case_id: str, case: dict[str, Any]) -> None:
    """Read each frame with lib0 + msgpack directly, not through decode_frame."""
    r = Reader(bytes.fromhex(case["hex"]))
    decoded = case["message"]
    mtype = r.read_var_uint()
    expected_type = {
        "sync_step1": 0,
        "sync_step2": 0,
        "sync_update": 0,
        "awareness": 1,
        "auth_denied": 2,
        "query_awareness": 3,
        "collab": 100,
    }[decoded["type"]]
    assert mtype == expected_type
    if decoded["type"] == "collab":
        payload = msgpack.unpackb(r.read_var_uint8_array(), raw=False)
        assert ordered(payload) == ordered(decoded["payload"])  # "t" first, fields in order
        assert next(iter(payload)) == "t"
    elif decoded["type"] == "awareness":
        entries = decode_awareness(r.read_var_uint8_array())
        assert [(e.client_id, e.clock, json.loads(e.state_json)) for e in entries] == [
            (e["client_id"], e["clock"], e["state"]) for e in decoded["entries"]
        ]
    elif mtype == 0:
        sub = r.read_var_uint()
        assert sub == ["sync_step1", "sync_step2", "sync_update"].index(decoded["type"])
        field = "state_vector" if sub == 0 else "update"
        assert r.read_var_uint8_array().hex() == decoded[field]
    elif mtype == 2:
        assert r.read_var_uint() == 0
        assert r.read_var_string() == decoded["reason"]
    assert not r.has_content()


def test_non_ascii_text_is_covered() -> None:
    texts = []
    for _, case in CASES:
        texts.append(json.dumps(case["message"], ensure_ascii=False))
        texts.append(bytes.fromhex(case["hex"]).decode("utf-8", errors="ignore"))
    blob = "".join(texts)
    assert any(0xC0 <= ord(c) <= 0x17F for c in blob), "accented Latin"
    assert any(0x4E00 <= ord(c) <= 0x9FFF for c in blob), "CJK"
    assert any(ord(c) > 0xFFFF for c in blob), "astral-plane emoji"
    # The Yjs updates themselves carry non-ASCII text (inside the update bytes).
    updates = "".join(c["hex"] for c in load("sync_update")["cases"])
    assert "🌍".encode().hex() in updates and "世界".encode().hex() in updates


# ---------------------------------------------------------------- frames and invalid frames


@pytest.mark.parametrize("case", load("frames")["cases"], ids=lambda c: c["description"])
def test_multi_message_frames(case: dict[str, Any]) -> None:
    msgs = [from_json(d) for d in case["messages"]]
    assert len(msgs) > 1
    assert b"".join(encode(x) for x in msgs).hex() == case["hex"]
    assert decode_frame(bytes.fromhex(case["hex"])) == msgs


@pytest.mark.parametrize("case", load("invalid")["cases"], ids=lambda c: c["description"])
def test_invalid_frames(case: dict[str, Any]) -> None:
    expected = getattr(errors, case["error"])
    assert issubclass(expected, ProtocolError)
    with pytest.raises(ProtocolError) as info:
        decode_frame(bytes.fromhex(case["hex"]))
    assert type(info.value) is expected
    assert info.value.code == case["code"]
    assert info.value.in_payload is case["in_payload"]


# ---------------------------------------------------------------- join token and TURN


def b64url_decode(part: str) -> bytes:
    if not part or "=" in part:
        raise ValueError("base64url without padding expected")
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verify_token(token: str, secret: bytes, room: str, now: int) -> tuple[str, Any]:
    """SPEC.md's verification order: format, signature, payload, expiry, room."""
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != "v1":
        return "bad_token", None
    mac = hmac.new(secret, f"v1.{parts[1]}".encode(), hashlib.sha256).digest()
    expected = base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    if not hmac.compare_digest(expected, parts[2]):
        return "bad_token", None
    try:
        payload = json.loads(b64url_decode(parts[1]))
    except (ValueError, binascii.Error):
        return "bad_token", None
    shape = {"room": str, "pid": str, "role": str, "exp": int}
    if (
        not isinstance(payload, dict)
        or any(not isinstance(payload.get(k), t) for k, t in shape.items())
        or payload["role"] not in ("interviewer", "interviewee", "guest")
    ):
        return "bad_token", None
    if now >= payload["exp"]:
        return "expired_token", None
    if payload["room"] != room:
        return "wrong_room", None
    return "ok", payload


@pytest.mark.parametrize("case", load("join_token")["cases"], ids=lambda c: c["description"])
def test_join_tokens(case: dict[str, Any]) -> None:
    secret = bytes.fromhex(load("join_token")["secret_hex"])
    outcome, payload = verify_token(case["token"], secret, case["room"], case["now"])
    assert outcome == (case["error"] or "ok")
    if case["error"] is None:
        assert payload == case["payload"]


@pytest.mark.parametrize("case", load("turn_credential")["cases"], ids=lambda c: c["description"])
def test_turn_credential(case: dict[str, Any]) -> None:
    expiry, _, _ = case["username"].partition(":")
    assert expiry.isdigit()
    digest = hmac.new(case["secret"].encode(), case["username"].encode(), hashlib.sha1).digest()
    assert base64.b64decode(case["credential"]) == digest
