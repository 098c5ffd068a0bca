"""SCHEMA.md's tables of stored form fields and exclusion reasons are generated from the code
that defines them (collabd/analytics/gen_doc.py); this fails when they are stale."""

from __future__ import annotations

from typing import Annotated

import pytest
from msgspec import Meta

from collab_protocol.forms import FORMS, InterviewerForm
from collabd.analytics import gen_doc


def test_schema_md_is_fresh() -> None:
    assert gen_doc.main(["--check"]) == 0, "run `python -m collabd.analytics.gen_doc`"


class LongerForm(InterviewerForm, frozen=True):
    pace: Annotated[int, Meta(ge=1, le=5, description="Pace of the interview.")] = 3


def test_a_field_added_to_a_form_makes_schema_md_stale(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(FORMS, "interviewer", LongerForm)
    text = gen_doc.schema_text(gen_doc.SCHEMA.read_text(encoding="utf-8"))
    assert "| `pace` | int 1..5 |  | Pace of the interview. Optional. |" in text
    assert gen_doc.main(["--check"]) == 1


def test_every_block_needs_its_table() -> None:
    with pytest.raises(SystemExit, match="lacks a place"):
        gen_doc.schema_text("<!-- generated: stored forms -->\n<!-- /generated -->\n")
