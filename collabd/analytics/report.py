"""A self-contained HTML report of a study result: `render_html(compute(records)) -> str`.

One file with no external references: CSS inline, charts as PNG embedded in data: URIs, so it
can be mailed or attached to a ticket. Drawn with matplotlib's object API on the Agg canvas
(no pyplot, so no global figure state and no display needed; safe to call from a thread).
The pieces: `report_findings` (the text), `report_sections` (tables and charts),
`report_format` (what both share); `render_person_html` draws one person's calibration history.
"""

from __future__ import annotations

from typing import Any

from collabd.analytics.report_findings import banner, data_section, headline, summary
from collabd.analytics.report_format import (
    ACTUAL_COLOR,
    CSS,
    PERCEIVED_COLOR,
    SCORES,
    Figure,
    MaxNLocator,
    chart,
    esc,
    missing,
    np,
    num,
    table,
    when,
)
from collabd.analytics.report_sections import (
    distribution_section,
    fit_section,
    rating_section,
    shares_section,
    table_section,
    time_section,
    willingness_section,
)
from collabd.analytics.study import SCHEMA, SCHEMA_VERSION


def render_html(result: dict[str, Any]) -> str:
    """Render a `study.compute` result as one HTML document (a str)."""
    if result.get("schema") != SCHEMA or result.get("version") != SCHEMA_VERSION:
        raise ValueError(
            f"render_html expects a {SCHEMA} v{SCHEMA_VERSION} result, got "
            f"{result.get('schema')!r} v{result.get('version')!r}"
        )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>collabd: perceived vs actual interview performance</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>Perceived vs actual interview performance</h1>",
        *headline(result),
        *banner(result),
        *summary(result),
        *distribution_section(result),
        *table_section(result),
        *fit_section(result),
        *shares_section(result),
        *time_section(result),
        *rating_section(result),
        *willingness_section(result),
        *data_section(result),
        "</body></html>",
    ]
    return "\n".join(parts)


def render_person_html(history: dict[str, Any], label: str) -> str:
    """Render a `person.history` result as one self-contained HTML document.

    `label` is how the page names the person (the external id the admin asked about).
    """
    from collabd.analytics.person import SCHEMA as PERSON_SCHEMA
    from collabd.analytics.person import SCHEMA_VERSION as PERSON_VERSION

    if history.get("schema") != PERSON_SCHEMA or history.get("version") != PERSON_VERSION:
        raise ValueError(f"render_person_html expects a {PERSON_SCHEMA} v{PERSON_VERSION} result")
    sessions = history["sessions"]
    sentence = history["tendency"] or "No complete interviews as a candidate yet."
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>collabd: calibration history</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>Calibration history of {esc(label)}</h1>",
        f'<section class="headline"><p>{esc(sentence)}</p></section>',
        f"<p>{history['n']} interview(s) as a candidate. Mean gap (guess − actual) "
        f"{num(history['mean_gap'], 2)}, mean |gap| {num(history['mean_abs_gap'], 2)}; "
        f"trend of |gap| per interview {num(history['trend']['abs_gap_per_interview'], 2)}.</p>",
        *missing(history["reason"]),
    ]
    if sessions:

        def draw(fig: Figure) -> None:
            ax = fig.add_subplot()
            x = np.arange(1, len(sessions) + 1)
            ax.plot(x, [s["actual"] for s in sessions], "o-", color=ACTUAL_COLOR, label="actual")
            ax.plot(x, [s["guess"] for s in sessions], "s--", color=PERCEIVED_COLOR, label="guess")
            ax.set_ylim(0.5, 4.5)
            ax.set_yticks(SCORES)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_xlabel("interview (by end time)")
            ax.set_ylabel("score")
            fig.legend(loc="outside right upper")

        parts.append(chart(draw, "calibration history", size=(7, 3)))
        rows = [
            [
                esc(s["session_id"]),
                when(s["ended_at"]),
                esc(s["kind"]),
                str(s["guess"]),
                str(s["actual"]),
                f"{s['gap']:+d}" if s["gap"] else "0",
            ]
            for s in sessions
        ]
        parts.append(table(["session", "ended", "kind", "guess", "actual", "gap"], rows))
    parts.append("</body></html>")
    return "\n".join(parts)
