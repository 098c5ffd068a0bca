"""Recording consent in the pure session (SPEC 14.4): both must agree, either may withdraw,
only before and during the interview, only in sessions that record."""

from __future__ import annotations

import pytest

from collabd.core.lifecycle import SessionError
from collabd.core.session import Identity, Session, SessionOptions

PIDS = ("p-er", "p-ee")


def live(**options: object) -> Session:
    s = Session.create("s-1", Identity("A", "a@x"), Identity("B", "b@x"),
                       SessionOptions(**options), 0, "seed", PIDS)  # type: ignore[arg-type]
    s.join(PIDS[0], 1)
    s.join(PIDS[1], 2)
    return s


def test_recorded_only_while_both_consent() -> None:
    s = live()
    assert not s.recording_on()
    assert s.consent_recording(PIDS[0], True, 3) == ["recording_changed"]
    assert not s.recording_on()
    assert s.consent_recording(PIDS[0], True, 4) == []  # the same answer changes nothing
    s.consent_recording(PIDS[1], True, 5)
    assert s.recording_on()
    view = s.view_for(PIDS[1])["recording"]
    assert view == {"allowed": True, "on": True, "mine": True, "theirs": True}
    s.consent_recording(PIDS[0], False, 6)  # withdrawn
    assert not s.recording_on()
    assert s.view_for(PIDS[1])["recording"]["theirs"] is False
    s.consent_recording(PIDS[0], True, 7)
    assert s.recording_on()
    restored = Session.from_record(s.to_record())
    assert restored.recording_on() and restored.to_record() == s.to_record()
    s.end(PIDS[0], 8)
    assert not s.recording_on()
    with pytest.raises(SessionError) as exc:
        s.consent_recording(PIDS[1], False, 9)
    assert exc.value.code == "wrong_phase"


def test_refused_answers_change_nothing() -> None:
    s = live(recording=False)
    before = s.to_record()
    with pytest.raises(SessionError) as exc:
        s.consent_recording(PIDS[0], True, 3)
    assert exc.value.code == "forbidden"
    with pytest.raises(SessionError) as exc:
        live().consent_recording(PIDS[0], "yes", 3)
    assert exc.value.code == "invalid_answer"
    assert s.to_record() == before and not s.recording_on()


def test_a_record_from_before_recording_loads_with_no_consent() -> None:
    record = live().to_record()
    del record["recording"]
    del record["options"]["recording"]
    s = Session.from_record(record)
    assert s.options.recording and s.view_for(PIDS[0])["recording"]["mine"] is None
