"""The HTML report is one self-contained file whose charts are real PNGs."""

import base64
import dataclasses
import io
import re

import matplotlib.image
import pytest

from collabd.analytics.person import history
from collabd.analytics.report import render_html, render_person_html
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
    page = render_html(compute(records))
    assert_self_contained(page)
    pngs = images(page)
    assert set(pngs) == {
        "distributions of actual and perceived scores",
        "heat map of perceived vs actual",
        "scatter of perceived vs actual with fits",
        "R² over time",
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
    assert '<td>not ended</td><td class="n">1</td>' in page
    assert "actual == 1: 2 removed" in page  # the worst interviews, stated
    # summary: R² 3025/4977 = 0.6078 and 6/17 = 0.3529 (worked out in test_study_fits.py)
    assert "R² = 0.608 (n = 8)" in page
    assert "(actual = 1): R² = 0.353 (n = 6)" in page
    assert "mean of the interviewee&#x27;s question_quality and helpfulness" in page
    assert "Not only real interviews" not in page
    assert "Kinds counted: real." in page


def test_banner_names_the_kinds_truly_when_they_are_included():
    records = hand_records() + [
        record(30, 3, 2, kind="simulated"),
        record(31, 2, 2, kind="practice"),
    ]
    page = render_html(compute(records, include=["simulated", "practice"]))
    assert "Not only real interviews" in page
    assert "of the 10 sessions analysed, 1 practice interview(s) started from the server" in page
    assert "1 session(s) played by bots" in page
    assert "practice-data simulator" not in page
    page = render_html(compute(records))
    assert "Not only real interviews" not in page
    assert "1 practice session and 1 simulated session were left out" in page


def test_empty_study_renders_reasons_and_no_charts():
    page = render_html(compute([]))
    assert_self_contained(page)
    assert images(page) == {}
    assert "Not computed: no complete sessions." in page
    assert "<strong>n = 0</strong>" in page


def test_dynamic_text_is_escaped():
    evil = '<script>alert("x")</script>'
    mine = dataclasses.replace(record(0, 3, 3, interviewee=evil), session_id=evil)
    page = render_person_html(history([mine, record(1, 2, 3)]), evil)
    assert evil not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert_self_contained(page)


def test_rejects_other_schemas():
    with pytest.raises(ValueError, match="expects a collabd.analytics.study v2"):
        render_html({"schema": "something else", "version": 1})


def headline(page):
    start = page.index('<section class="headline"')
    return page[start : page.index("</section>", start)]


def test_headline_comes_first_in_plain_sentences():
    records = [*hand_records(), record(8, 2, 2, would_work_with=False), record(9, 4, 1)]
    result = compute(records, include=["practice"])
    page = render_html(result)
    top = headline(page)
    # the headline is the first thing after the title; exclusions and definitions come last
    assert page.index("<h1>") < page.index(top) < page.index("<h2>")
    assert page.index("Data, exclusions and definitions") > page.index("Thinking you did well")
    lin, low = result["fits"]["linear"], result["fits"]["linear_without_worst"]
    will = result["did_well_vs_would_work_with"]
    assert "This report covers <strong>10 interviews</strong>" in top
    assert f"accounts for {100 * lin['r2']:.1f}% of the differences" in top
    assert "(the R² of the linear fit below; n = 10)" in top
    assert f"leaving out the {low['removed_count']} worst interviews" in top
    assert f"it accounts for {100 * low['r2']:.1f}% (n = {low['n']})" in top
    # one number, said once: no "12.5% (R² = 0.12)" that reads as two different figures
    assert "% (R²" not in top and "R² =" not in top
    assert f"{will['willingness_ratio']:.2f} times as likely" in top
    assert f"{100 * will['rate_did_well']:.1f}% of the time" in top
    assert f"p = {will['fisher_exact']['p']:.3g}" in top
    assert "by chance" in top


def test_headline_says_why_numbers_are_missing():
    top = headline(render_html(compute([record(0, 3, 3)])))
    assert "<strong>1 interview</strong>" in top
    assert "cannot be measured yet: one session: a line needs at least two." in top
    assert "ratio cannot be computed: a rate is missing (empty row)." in top


def test_text_columns_are_left_aligned_and_numbers_right():
    page = render_html(compute(hand_records()))
    assert '<th>group</th><th class="n">n</th>' in page
    assert '<tr><td>all</td><td class="n">8</td>' in page
    assert "<th>why missing</th>" in page


def test_zero_prints_without_a_minus_sign():
    from collabd.analytics.report_format import num as _num

    assert _num(-0.0) == "0.000"
    assert _num(-1e-17) == "0.000"
    assert _num(-0.0004, 2) == "0.00"
    assert _num(-0.0006) == "-0.001"
    # a fit whose coefficients come out as tiny negatives: perceived = actual exactly
    page = render_html(compute([record(i, a, a) for i, a in enumerate([1, 2, 3, 4, 1, 2, 3, 4])]))
    assert "-0.000" not in page
