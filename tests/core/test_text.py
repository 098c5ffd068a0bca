from hypothesis import given
from hypothesis import strategies as st

from collabd.core.text import shown

HIDDEN = [chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0),
                           *range(0x202A, 0x202F), *range(0x2066, 0x206A))]


def test_bidi_overrides_and_controls_go_newlines_and_tabs_stay():
    assert shown("evil\u202egnp.exe") == "evilgnp.exe"
    assert shown("\u2067isolate\u2069 \x1b[31mred\x1b[0m\r\nnext\tcol\x00") == (
        "isolate [31mred[0m\nnext\tcol")
    assert shown("mixed \u200fRTL mark\u200e stays, 答え 🎯 é") == (
        "mixed \u200fRTL mark\u200e stays, 答え 🎯 é")
    plain = "nothing to do\n"
    assert shown(plain) is plain


@given(st.text())
def test_nothing_hidden_survives(text: str) -> None:
    out = shown(text)
    assert not any(ch in out for ch in HIDDEN)
    assert out == "".join(ch for ch in text if ch not in HIDDEN)
