from itertools import product

import pytest

from collabd.core.lifecycle import (
    ACTION_PHASES,
    TERMINAL,
    TRANSITIONS,
    Event,
    IllegalTransition,
    Phase,
    SessionError,
    other_role,
    require,
    transition,
)


@pytest.mark.parametrize(("phase", "event"), list(product(Phase, Event)))
def test_every_pair_is_either_in_the_table_or_illegal(phase: Phase, event: Event) -> None:
    if (phase, event) in TRANSITIONS:
        assert transition(phase, event) is TRANSITIONS[(phase, event)]
    else:
        with pytest.raises(IllegalTransition) as info:
            transition(phase, event)
        assert info.value.code == "wrong_phase"
        assert isinstance(info.value, SessionError)
        assert phase.value in str(info.value)


def test_terminal_phases_have_no_way_out() -> None:
    assert TERMINAL == {Phase.UNMASKED, Phase.SEALED}
    assert not [key for key in TRANSITIONS if key[0] in TERMINAL]


def test_main_path() -> None:
    phase = Phase.LOBBY
    for event in (Event.START, Event.END, Event.REVEAL, Event.UNMASK):
        phase = transition(phase, event)
    assert phase is Phase.UNMASKED


def test_every_phase_is_reachable_and_every_non_terminal_phase_can_be_cancelled() -> None:
    seen = {Phase.LOBBY}
    frontier = [Phase.LOBBY]
    while frontier:
        phase = frontier.pop()
        for (source, _), target in TRANSITIONS.items():
            if source is phase and target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(Phase)
    for phase in set(Phase) - TERMINAL:
        assert transition(phase, Event.CANCEL) is Phase.SEALED


def test_timeouts_and_ending() -> None:
    assert transition(Phase.LIVE, Event.TIME_UP) is Phase.FEEDBACK
    assert transition(Phase.LOBBY, Event.END) is Phase.SEALED
    assert transition(Phase.FEEDBACK, Event.FEEDBACK_EXPIRED) is Phase.SEALED
    assert transition(Phase.REVEALED, Event.SEAL) is Phase.SEALED


@pytest.mark.parametrize(("action", "phase"), list(product(ACTION_PHASES, Phase)))
def test_actions_are_guarded_by_phase(action: str, phase: Phase) -> None:
    if phase in ACTION_PHASES[action]:
        require(phase, action)
    else:
        with pytest.raises(IllegalTransition):
            require(phase, action)


def test_document_is_writable_only_before_the_end() -> None:
    assert ACTION_PHASES["edit_document"] == {Phase.LOBBY, Phase.LIVE}


def test_other_role() -> None:
    assert other_role("interviewer") == "interviewee"
    assert other_role("interviewee") == "interviewer"
