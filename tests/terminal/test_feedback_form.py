"""The terminal's feedback form is built from collab_protocol.forms.FORMS: filled in field by
field under Pilot, it is accepted by a real server, and a field added to FORMS shows up (and is
sent) without a change to the terminal client."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from client.helpers import GOOD_INTERVIEWEE_FORM, GOOD_INTERVIEWER_FORM, create_session
from msgspec import Meta
from textual.app import App, ComposeResult
from textual.widgets import Input

from collab_protocol.forms import FORMS, InterviewerForm, private_fields
from collab_term.app import CollabTerm
from collab_term.widgets.feedback_form import FeedbackForm, questions
from support.net import wait_until

from .test_app import SIZE, click, started, static_text

OTHER = {"interviewer": "interviewee", "interviewee": "interviewer"}
GOOD = {"interviewer": GOOD_INTERVIEWER_FORM, "interviewee": GOOD_INTERVIEWEE_FORM}


async def fill_in(pilot: Any, app: Any, role: str) -> dict[str, Any]:
    """Answer every question of the role's form as FORMS defines it; returns the answers."""
    answers: dict[str, Any] = {}
    for i, q in enumerate(questions(role)):
        if q.kind == "bool":
            await click(pilot, app, f"#fb-{q.name}-yes")
            answers[q.name] = True
        elif q.kind == "score":
            score = q.low + i % (q.high - q.low + 1)  # not the same answer everywhere
            await click(pilot, app, f"#fb-{q.name}-{score}")
            answers[q.name] = score
        else:
            answers[q.name] = f"{q.name} text"
            app.query_one(f"#fb-{q.name}", Input).value = answers[q.name]
    return answers


async def submit_from_the_terminal(server: Any, clients: Any, role: str) -> tuple[Any, dict]:
    """The terminal (as `role`) fills in and submits its form; the SDK on the other side
    submits its own. Returns that SDK client once it has the reveal, and the answers."""
    created = await create_session(server)
    links = {"interviewer": created.interviewer, "interviewee": created.interviewee}
    other = await clients(links[OTHER[role]]["join_url"])
    app = CollabTerm(links[role]["join_url"])
    async with app.run_test(size=SIZE) as pilot:
        await started(app)
        await other.wait_for(lambda c: c.phase == "live")
        await (app.client if role == "interviewer" else other).end_interview()  # type: ignore[union-attr]
        await wait_until(lambda: bool(app.query("#fb-submit")), what="the feedback form")
        answers = await fill_in(pilot, app, role)
        await click(pilot, app, "#fb-submit")
        await other.wait_for(
            lambda c: c.feedback_status is not None and c.feedback_status.theirs == "submitted")
        await other.submit_feedback(GOOD[OTHER[role]])
        await other.wait_for(lambda c: c.reveal is not None)
        await wait_until(lambda: bool(app.query("#reveal")), what="the reveal")
        reveal = static_text(app, "#reveal")
        for q in questions(role):
            assert q.name in private_fields(FORMS[role]) or q.label.split(" (")[0] in reveal
    return other, answers


@pytest.mark.parametrize("role", ["interviewer", "interviewee"])
async def test_a_form_built_from_the_schema_is_accepted(server, clients, role):
    other, answers = await submit_from_the_terminal(server, clients, role)
    shared = {k: v for k, v in answers.items() if k not in private_fields(FORMS[role])}
    assert other.reveal.theirs == shared
    assert set(answers) == {f for f in FORMS[role].__struct_fields__}


class PacedInterviewerForm(InterviewerForm, frozen=True):
    """The interviewer's form with one more score, as a future change to FORMS would add it."""

    pace: Annotated[int, Meta(ge=1, le=5, title="Pace of the interview",
                              description="Pace.")] = 3


class FormApp(App[None]):
    def compose(self) -> ComposeResult:
        yield FeedbackForm("interviewer")


async def test_a_field_added_to_the_schema_shows_up_in_the_terminal(monkeypatch):
    monkeypatch.setitem(FORMS, "interviewer", PacedInterviewerForm)
    app = FormApp()
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(FeedbackForm)
        labels = "\n".join(str(w.render()) for w in form.query("Label"))
        assert "Pace of the interview (1-5)" in labels
        assert len(app.query("#fb-pace RadioButton")) == 5
        answers = await fill_in(pilot, app, "interviewer")
        assert answers["pace"] in range(1, 6)
        assert form.values() == answers
        PacedInterviewerForm(**answers)  # what the form sends is valid under the new schema
