"""Pure tests of the editor <-> Y.Text binding: hypothesis interleaves local typing, flushes,
remote edits (made on another pycrdt Doc at UTF-16 positions, as a Yjs peer would) and
deliveries in both directions, with emoji, accents and CJK.

Checked after every step: the binding's mirror equals the Y.Text; after a flush the editor
equals the Y.Text; in the end both documents and the editor converge; and the caret follows the
rule "a remote edit moves the caret only if it lies before it" (checked against an oracle that
tracks character identities: text inserted at the caret goes after it, and the caret never
crosses a character that survived).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycrdt import Doc, Text

from collab_client.positions import Edit, bytes_from_utf16, diff, utf16_from_cp, utf16_len
from collab_client.textbind import TextBinding, _map_around, delta_to_edits

PIECES = list("ab \n") + ["é", "e\u0301", "漢字", "🌍", "👩‍💻", "ß", "Ω"]


@dataclass
class Buffer:
    """A stand-in editor: a string and a selection, in code points."""

    text: str = ""
    anchor: int = 0
    head: int = 0
    replaced: list[tuple[int, int, str]] = field(default_factory=list)

    def get_text(self) -> str:
        return self.text

    def replace(self, start: int, end: int, text: str) -> None:
        assert 0 <= start <= end <= len(self.text)
        self.text = self.text[:start] + text + self.text[end:]
        self.replaced.append((start, end, text))

    def get_selection(self) -> tuple[int, int]:
        return self.anchor, self.head

    def set_selection(self, anchor: int, head: int) -> None:
        assert 0 <= anchor <= len(self.text) and 0 <= head <= len(self.text)
        self.anchor, self.head = anchor, head

    def type(self, start: int, end: int, text: str) -> None:
        """What the user does: replace a range and leave the caret after the new text."""
        self.text = self.text[:start] + text + self.text[end:]
        self.anchor = self.head = start + len(text)


class Pair:
    def __init__(self) -> None:
        # fixed client ids: the merge order of concurrent inserts depends on them, and
        # hypothesis needs each example to replay identically
        self.local = Doc(client_id=1)
        self.remote = Doc(client_id=2)
        self.ltext = self.local.get("code", type=Text)
        self.rtext = self.remote.get("code", type=Text)
        self.buf = Buffer()
        self.binding = TextBinding(self.local, self.ltext, self.buf)
        self.to_local: list[bytes] = []
        self.to_remote: list[bytes] = []
        self.local.observe(lambda e: self.to_remote.append(e.update))
        self.remote.observe(lambda e: self.to_local.append(e.update))
        self._delivering = False

    def remote_edit(self, at16: int, length16: int, text: str) -> None:
        s = str(self.rtext)
        start = bytes_from_utf16(s, at16)
        end = bytes_from_utf16(s, at16 + length16)
        with self.remote.transaction():
            if end > start:
                del self.rtext[start:end]
            if text:
                self.rtext.insert(start, text)

    def deliver_to_local(self, flush_first: bool) -> None:
        if flush_first:
            self.binding.flush()
        updates, self.to_local = self.to_local, []
        for u in updates:
            self.local.apply_update(u)
        # the remote's updates echo back to it harmlessly; drop the echo
        self.to_remote = [u for u in self.to_remote if u not in updates]

    def deliver_to_remote(self) -> None:
        updates, self.to_remote = self.to_remote, []
        for u in updates:
            self.remote.apply_update(u)
        self.to_local = [u for u in self.to_local if u not in updates]


def piece_list(data: st.DataObject, label: str) -> str:
    return "".join(data.draw(st.lists(st.sampled_from(PIECES), max_size=4), label=label))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_interleaved_local_and_remote_edits_keep_editor_and_ytext_equal(data):
    p = Pair()
    for _ in range(data.draw(st.integers(1, 25), label="steps")):
        action = data.draw(
            st.sampled_from(
                ["type", "flush", "remote", "to_local", "to_local_unflushed", "to_remote", "caret"]
            )
        )
        if action == "type":
            n = len(p.buf.text)
            start = data.draw(st.integers(0, n), label="start")
            end = data.draw(st.integers(start, min(n, start + 3)), label="end")
            p.buf.type(start, end, piece_list(data, "typed"))
        elif action == "flush":
            p.binding.flush()
            assert p.buf.text == str(p.ltext) == p.binding.mirror
        elif action == "remote":
            s = str(p.rtext)
            at = data.draw(st.integers(0, len(s)), label="at")
            end = data.draw(st.integers(at, min(len(s), at + 3)), label="end")
            p.remote_edit(utf16_from_cp(s, at), utf16_len(s[at:end]), piece_list(data, "text"))
        elif action == "to_local":
            p.deliver_to_local(flush_first=True)
            assert p.buf.text == str(p.ltext)
        elif action == "to_local_unflushed":
            p.deliver_to_local(flush_first=False)
        elif action == "to_remote":
            p.binding.flush()
            p.deliver_to_remote()
        else:
            n = len(p.buf.text)
            p.buf.set_selection(data.draw(st.integers(0, n)), data.draw(st.integers(0, n)))
        assert p.binding.mirror == str(p.ltext)
        assert 0 <= p.buf.head <= len(p.buf.text) and 0 <= p.buf.anchor <= len(p.buf.text)
    p.binding.flush()
    p.deliver_to_remote()
    p.deliver_to_local(flush_first=True)
    assert p.buf.text == str(p.ltext) == str(p.rtext) == p.binding.mirror


# -- the caret rule, with unique characters so the oracle can track identities

POOLS = [
    [chr(c) for c in range(0x00C0, 0x0250)],  # accented Latin
    [chr(c) for c in range(0x4E00, 0x4F00)],  # CJK
    [chr(c) for c in range(0x1F300, 0x1F400)],  # emoji (astral: 2 UTF-16 units, 4 bytes)
    [chr(c) for c in range(0x41, 0x5B)] + [chr(c) for c in range(0x61, 0x7B)],  # ASCII
]


class Fresh:
    def __init__(self) -> None:
        self.next = [0] * len(POOLS)

    def draw(self, data: st.DataObject, label: str) -> str:
        out = []
        for pool in data.draw(st.lists(st.integers(0, len(POOLS) - 1), max_size=3), label=label):
            out.append(POOLS[pool][self.next[pool]])
            self.next[pool] += 1
        return "".join(out)


def check_caret(before: str, caret: int, after: str, new_caret: int) -> None:
    """The caret stays between the characters that surrounded it. Surviving characters left of
    it stay left, surviving ones right of it stay right; and when its two neighbours both
    survived, text inserted between them (at the caret) goes after it."""
    survivors = set(after)
    left = [i for i, ch in enumerate(before[:caret]) if ch in survivors]
    right = [caret + i for i, ch in enumerate(before[caret:]) if ch in survivors]
    low = after.index(before[left[-1]]) + 1 if left else 0
    high = after.index(before[right[0]]) if right else len(after)
    assert low <= new_caret <= high, (before, caret, after, new_caret)
    left_kept = caret == 0 or (left and left[-1] == caret - 1)
    right_kept = caret == len(before) or (right and right[0] == caret)
    if left_kept and right_kept:
        assert new_caret == low, (before, caret, after, new_caret)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_remote_edits_move_the_caret_only_when_before_it(data):
    p = Pair()
    fresh = Fresh()
    for _ in range(data.draw(st.integers(1, 20), label="steps")):
        action = data.draw(st.sampled_from(["type", "remote", "exchange", "caret"]))
        if action == "type":
            n = len(p.buf.text)
            start = data.draw(st.integers(0, n), label="start")
            end = data.draw(st.integers(start, min(n, start + 3)), label="end")
            p.buf.type(start, end, fresh.draw(data, "typed"))
        elif action == "remote":
            s = str(p.rtext)
            at = data.draw(st.integers(0, len(s)), label="at")
            end = data.draw(st.integers(at, min(len(s), at + 3)), label="end")
            p.remote_edit(utf16_from_cp(s, at), utf16_len(s[at:end]), fresh.draw(data, "text"))
        elif action == "caret":
            n = len(p.buf.text)
            p.buf.set_selection(data.draw(st.integers(0, n)), data.draw(st.integers(0, n)))
        else:
            p.binding.flush()
            p.deliver_to_remote()
            before, anchor, head = p.buf.text, p.buf.anchor, p.buf.head
            p.deliver_to_local(flush_first=True)
            after = p.buf.text
            assert after == str(p.ltext)
            check_caret(before, head, after, p.buf.head)
            check_caret(before, anchor, after, p.buf.anchor)


def test_delta_in_utf8_bytes_becomes_code_point_edits():
    old = "a🌍bé"
    # pycrdt: retain "a🌍" (5 bytes), delete "b" (1), insert "漢", retain "é"
    edits = delta_to_edits(old, [{"retain": 5}, {"delete": 1}, {"insert": "漢"}])
    assert edits == [Edit(2, 3, ""), Edit(2, 2, "漢")]
    text = old
    for e in edits:
        text = e.apply(text)
    assert text == "a🌍漢é"


def test_binding_initialises_the_editor_and_flushes_minimal_edits():
    doc = Doc()
    text = doc.get("code", type=Text)
    text.insert(0, "print('🌍')\n")
    buf = Buffer(text="stale")
    updates: list[bytes] = []
    doc.observe(lambda e: updates.append(e.update))
    binding = TextBinding(doc, text, buf)
    assert buf.text == "print('🌍')\n" and not binding.pending
    buf.type(8, 8, "é")  # after the emoji
    assert binding.pending
    assert binding.flush() == Edit(8, 8, "é")
    assert str(text) == "print('🌍é')\n" and len(updates) == 1
    assert binding.flush() is None


@given(st.data())
def test_map_around_pending_matches_a_three_way_merge(data):
    mirror = "".join(data.draw(st.lists(st.sampled_from("abcé🌍漢"), max_size=8)))
    n = len(mirror)

    def edit(label: str) -> Edit:
        s = data.draw(st.integers(0, n), label=label + ".start")
        e = data.draw(st.integers(s, n), label=label + ".end")
        return Edit(s, e, data.draw(st.sampled_from(["", "X", "YZ", "🎉"]), label=label))

    remote, pending = edit("remote"), edit("pending")
    mapped, new_pending = _map_around(remote, pending, mirror)
    editor = pending.apply(mirror)
    editor_after = mapped.apply(editor) if mapped else editor
    mirror_after = remote.apply(mirror)
    assert (new_pending.apply(mirror_after) if new_pending else mirror_after) == editor_after
    # the pending text survives and the remote text is there too
    assert pending.text in editor_after and remote.text in editor_after
    assert diff(mirror_after, editor_after) is None or new_pending is not None
