"""The HTML report is one self-contained file whose charts are real PNGs."""

import base64
import dataclasses
import io
import re

import matplotlib.image
import pytest

from collabd.analytics.report import render_html
from collabd.analytics.study import compute

from .helpers import hand_records, record

IMG = re.compile(r'<img alt="([^"]*)" src="data:image/png;base64,([A-Za-z0-9+/=]+)">')
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def images(page):
    return {alt: base64.b64decode(data, validate=True) for alt, data in IMG.findall(page)}


def assert_self_contained(page):
    assert page.startswith("<!DOCTYPE html>")
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page.lower() and "<link" not in page.lower()
    assert "@import" not in page and "url(" not in page
    # every src is an embedded data URI
    for src in re.findall(r'src="([^"]*)"', page):
        assert src.startswith("data:image/png;base64,")


def test_full_report_has_every_chart_and_they_decode():
    records = hand_records() + [record(10, 2, 3, interviewee="alice", would_work_with=False)]
    page = render_html(compute(records, participant="alice"))
    assert_self_contained(page)
    pngs = images(page)
    assert set(pngs) == {
        "distributions of actual and perceived scores",
        "heat map of perceived vs actual",
        "scatter of perceived vs actual with fits",
        "R² over time",
        "participant calibration history",
    }
    for png in pngs.values():
        assert png.startswith(PNG_SIGNATURE)
        pixels = matplotlib.image.imread(io.BytesIO(png), format="png")
        height, width, channels = pixels.shape
        assert height > 100 and width > 100 and channels in (3, 4)
        assert pixels.std() > 0  # something was drawn


def test_report_states_n_exclusions_and_definitions():
    records = hand_records() + [record(20, 3, 3, ended_at=None)]
    page = render_html(compute(records))
    assert "<strong>n = 8</strong>" in page
    assert "out of 9 stored (1 excluded)" in page
    assert '<td class="l">not ended</td><td>1</td>' in page
    assert "actual == 1: 2 removed" in page  # the worst interviews, stated
    # summary: R² 3025/4977 = 0.6078 and 6/17 = 0.3529 (worked out in test_study_fits.py)
    assert "R² = 0.608 (n = 8)" in page
    assert "(actual = 1): R² = 0.353 (n = 6)" in page
    assert "mean of the interviewee&#x27;s question_quality and helpfulness" in page
    assert "Includes simulated sessions" not in page
    assert "Simulated sessions: included" in page


def test_banner_when_simulated_sessions_are_included():
    records = hand_records() + [record(30, 3, 2, simulated=True)]
    page = render_html(compute(records))
    assert "Includes simulated sessions" in page
    assert "1 of the 9 sessions analysed" in page
    page = render_html(compute(records, include_simulated=False))
    assert "Includes simulated sessions" not in page
    assert "Simulated sessions: excluded" in page


def test_empty_study_renders_reasons_and_no_charts():
    page = render_html(compute([]))
    assert_self_contained(page)
    assert images(page) == {}
    assert "Not computed: no complete sessions." in page
    assert "<strong>n = 0</strong>" in page


def test_dynamic_text_is_escaped():
    evil = '<script>alert("x")</script>'
    mine = dataclasses.replace(record(0, 3, 3, interviewee=evil), session_id=evil)
    records = [mine, *hand_records()]
    page = render_html(compute(records, participant=evil))
    assert evil not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert_self_contained(page)


def test_rejects_other_schemas():
    with pytest.raises(ValueError, match="expects a collabd.analytics.study v1"):
        render_html({"schema": "something else", "version": 1})
