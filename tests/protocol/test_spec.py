"""SPEC.md and the code agree: every kind has a section, every announced limit is in `welcome`."""

import json
import re
from pathlib import Path

from collab_protocol import KINDS, BadPayload, DecodeError, InvalidMessage, UnknownKind
from collab_protocol.awareness import MAX_ENTRIES
from collab_protocol.codec import MAX_MESSAGES_PER_FRAME, MSGPACK_LIMITS

PROTOCOL = Path(__file__).resolve().parents[2] / "protocol"
SPEC = (PROTOCOL / "SPEC.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    start = SPEC.index(title)
    end = SPEC.find("\n### ", start + len(title))
    return SPEC[start : end if end != -1 else len(SPEC)]


def table_first_column(text: str) -> list[str]:
    return re.findall(r"^\| `([a-z_0-9]+)`", text, flags=re.MULTILINE)


def test_every_kind_has_a_section() -> None:
    headings = set(re.findall(r"^#### `([a-z.]+)`", SPEC, flags=re.MULTILINE))
    assert headings == set(KINDS)


def test_codec_error_codes_are_listed() -> None:
    codes = set(table_first_column(section("### 16.1 Error codes")))
    assert {c.code for c in (DecodeError, BadPayload, InvalidMessage, UnknownKind)} <= codes
    assert len(codes) == 16


def test_announced_limits_match_the_welcome_vector() -> None:
    rows = re.findall(r"^\| (`.+?`) \| .* \| (yes|no) \|$", section("### 16.4 Limits"), re.M)
    announced = set()
    for names, flag in rows:
        if flag == "yes":
            announced |= set(re.findall(r"`([a-z_]+)`", names))
    welcome = json.loads((PROTOCOL / "vectors" / "collab_welcome.json").read_text("utf-8"))
    limits = welcome["cases"][0]["message"]["payload"]["limits"]
    assert set(limits) == announced


def test_fixed_codec_limits_are_the_documented_ones() -> None:
    fixed = " ".join(section("### 16.4 Limits").split())
    assert f"at most {MAX_MESSAGES_PER_FRAME} messages per frame" in fixed
    assert f"at most {MAX_ENTRIES} entries per" in fixed
    assert MSGPACK_LIMITS["max_str_len"] == MSGPACK_LIMITS["max_bin_len"] == 1 << 20
    assert MSGPACK_LIMITS["max_array_len"] == 10_000 and MSGPACK_LIMITS["max_map_len"] == 1_000
    assert MSGPACK_LIMITS["max_ext_len"] == 0


def test_close_codes_table() -> None:
    rows = re.findall(r"^\| (\d{4}) \| .* \| (Yes|No|Only)", section("### 16.2 Close codes"), re.M)
    codes = {int(code): answer for code, answer in rows}
    assert set(codes) == {
        1000, 1001, 1002, 1007, 1009, 1011, 1013, 4008, 4029, 4400, 4403, 4413, 4422,
    }
    # y-websocket stops reconnecting on 4400-4499: those must be the "No" codes among 4xxx.
    assert {c for c in codes if 4400 <= c < 4500} == {
        c for c, a in codes.items() if a == "No" and c >= 4000
    }
