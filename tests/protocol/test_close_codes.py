"""CloseCode: one enum for every close code the server sends, matching SPEC 16.2."""

import re
from pathlib import Path

from collab_client.client import FATAL_CLOSE_CODES
from collab_protocol import CloseCode

SPEC = Path(__file__).resolve().parents[2] / "protocol" / "SPEC.md"


def spec_table() -> dict[int, tuple[str, str]]:
    text = SPEC.read_text(encoding="utf-8")
    section = text[text.index("### 16.2 Close codes"):text.index("### 16.3")]
    rows = re.findall(r"^\| (\d{4}) \| (.*) \| (.*) \|$", section, re.M)
    return {int(code): (meaning, advice) for code, meaning, advice in rows}


def test_the_enum_is_spec_16_2() -> None:
    assert spec_table() == {int(c): (c.meaning, c.advice) for c in CloseCode}


def test_the_sdk_gives_up_exactly_where_reconnecting_cannot_help() -> None:
    for code in CloseCode:
        if code is not CloseCode.NORMAL:
            assert (code in FATAL_CLOSE_CODES) == (not code.reconnect), code
    assert CloseCode.NORMAL not in FATAL_CLOSE_CODES  # a client's own goodbye
    assert 4499 in FATAL_CLOSE_CODES  # y-websocket's rule: 4400-4499 are never retried


def test_codes_behave_as_plain_ints_on_the_wire_and_in_logs() -> None:
    assert CloseCode.BAD == 4400 and f"{CloseCode.BAD}" == "4400"
    assert {4400: "x"}[CloseCode.BAD] == "x"
