"""A self-contained HTML report of a study result: `render_html(compute(records)) -> str`.

One file with no external references: CSS inline, charts as PNG embedded in data: URIs, so it
can be mailed or attached to a ticket. Drawn with matplotlib's object API on the Agg canvas
(no pyplot, so no global figure state and no display needed; safe to call from a thread).
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from collabd.analytics.extra import MissingExtraError
from collabd.analytics.study import SCHEMA, SCHEMA_VERSION, STABLE_MIN_N

try:
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator
except ImportError as exc:
    raise MissingExtraError((exc.name or "matplotlib").partition(".")[0]) from exc

SCORES = [1, 2, 3, 4]
ACTUAL_COLOR = "#3b6ea5"
PERCEIVED_COLOR = "#d9822b"
MAX_MARKER_AREA = 1100.0  # pt², the scatter marker of the fullest cell
# the four fit lines: colour and dash pattern differ, so they can be told apart in grey too
FIT_STYLES = [("black", "-"), ("#1b9e77", "--"), ("#d95f02", ":"), ("#7570b3", "-.")]

_CSS = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2.2rem; }
table { border-collapse: collapse; margin: .6rem 0; }
td, th { border: 1px solid #ccc; padding: .25rem .6rem; text-align: left; }
th { background: #f3f3f3; } td.n, th.n { text-align: right; }
.headline { background: #eef4fb; border: 1px solid #b7cde6; padding: .4rem 1.2rem;
            margin: 1rem 0; font-size: 1.08rem; }
.headline p { margin: .6rem 0; }
.banner { background: #fff3cd; border: 1px solid #e0c36a; padding: .7rem 1rem; margin: 1rem 0; }
.missing { color: #8a3b12; } .note { color: #555; font-size: .92rem; }
img { max-width: 100%; height: auto; display: block; margin: .8rem 0; }
"""


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
        f"<style>{_CSS}</style></head><body>",
        "<h1>Perceived vs actual interview performance</h1>",
        *_headline(result),
        *_banner(result),
        *_summary(result),
        *_distribution_section(result),
        *_table_section(result),
        *_fit_section(result),
        *_shares_section(result),
        *_time_section(result),
        *_rating_section(result),
        *_willingness_section(result),
        *_data_section(result),
        "</body></html>",
    ]
    return "\n".join(parts)


# --- formatting -------------------------------------------------------------------------------


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _num(value: float | None, digits: int = 3) -> str:
    if value is None:
        return "—"
    text = f"{value:.{digits}f}"
    # a tiny negative rounds to "-0.000": print zero as zero
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _p(value: float | None) -> str:
    return "—" if value is None else f"{value:.3g}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _date(ms: int | None) -> str:
    if ms is None:
        return "—"
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def _missing(reason: str | None) -> list[str]:
    return [] if reason is None else [f'<p class="missing">Not computed: {_e(reason)}.</p>']


_NUMERIC = re.compile(r"[-+−]?[0-9][0-9.,]*%?|—")


def _rows(header: list[str], rows: list[list[str]]) -> str:
    """An HTML table; cells are already escaped/formatted. A column whose cells are all numbers
    (or "—") is right-aligned, so digits line up; text columns stay left-aligned."""
    numeric = [
        bool(cells) and all(_NUMERIC.fullmatch(c) for c in cells)
        for cells in ([r[i] for r in rows if r[i]] for i in range(len(header)))
    ]

    def line(cells: list[str], tag: str) -> str:
        return (
            "<tr>"
            + "".join(
                f'<{tag} class="n">{c}</{tag}>' if numeric[i] else f"<{tag}>{c}</{tag}>"
                for i, c in enumerate(cells)
            )
            + "</tr>"
        )

    return "<table>" + line(header, "th") + "".join(line(r, "td") for r in rows) + "</table>"


def _chart(draw: Callable[[Figure], None], alt: str, size: tuple[float, float] = (6, 3.6)) -> str:
    fig = Figure(figsize=size, dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    draw(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{data}">'


# --- sections ---------------------------------------------------------------------------------


def _kinds_phrase(counts: dict[str, int], kinds: tuple[str, ...]) -> str:
    """ "1 practice session and 5 simulated sessions" over the kinds counted ("" if none)."""
    parts = [f"{counts[k]} {k} session{'' if counts[k] == 1 else 's'}" for k in kinds if counts[k]]
    return " and ".join(parts)


def _chance(p: float) -> str:
    """A p-value as a plain chance."""
    return "less than 0.1%" if p < 0.001 else f"{100 * p:.2g}%"


def _headline(result: dict[str, Any]) -> list[str]:
    """The three findings in sentences a reader needs no statistics for."""
    counts = result["counts"]
    lin, low = result["fits"]["linear"], result["fits"]["linear_without_worst"]
    will = result["did_well_vs_would_work_with"]
    n = counts["included"]
    others = _kinds_phrase(counts["included_by_kind"], ("practice", "simulated"))
    left_out = _kinds_phrase(counts["excluded"], ("practice", "simulated"))
    first = (
        f"This report covers <strong>{n} interview{'' if n == 1 else 's'}</strong> in which "
        "both sides submitted their feedback"
    )
    if others:
        first += f", {others} among them"
    if left_out:
        single = sum(counts["excluded"][k] for k in ("practice", "simulated")) == 1
        first += f"; {left_out} {'was' if single else 'were'} left out"
    sentences = [first + "."]

    if lin["r2"] is not None:
        text = (
            f"<strong>How well candidates judge themselves:</strong> the interviewer's score "
            f"accounts for {_pct(lin['r2'])} of the differences between candidates' own ratings "
            f"of their performance (the R² of the linear fit below; n = {lin['n']})"
        )
        if low["r2"] is not None:
            text += (
                f"; leaving out the {low['removed_count']} worst interviews (technical score "
                f"1), it accounts for {_pct(low['r2'])} (n = {low['n']})"
            )
        sentences.append(text + ".")
    else:
        sentences.append(
            "<strong>How well candidates judge themselves</strong> cannot be measured yet: "
            f"{_e(lin['reason'])}."
        )

    ratio, fisher_p = will["willingness_ratio"], will["fisher_exact"]["p"]
    if ratio is not None:
        text = (
            f"<strong>Feeling and willingness:</strong> candidates who thought they did well "
            f"wanted to work with their interviewer {_pct(will['rate_did_well'])} of the time, "
            f"those who thought they did poorly {_pct(will['rate_did_poorly'])}: "
            f"{_num(ratio, 2)} times as likely."
        )
        if fisher_p is not None:
            text += (
                " If how they felt made no difference, a gap at least this large would turn up "
                f"by chance {_chance(fisher_p)} of the time (Fisher's exact test, "
                f"p = {_p(fisher_p)})."
            )
        sentences.append(text)
    else:
        why = will["willingness_ratio_reason"]
        sentences.append(
            "<strong>Feeling and willingness:</strong> the did-well / would-work-with ratio "
            f"cannot be computed: {_e(why)}."
        )
    return [
        '<section class="headline" id="headline">',
        *(f"<p>{s}</p>" for s in sentences),
        "</section>",
    ]


def _banner(result: dict[str, Any]) -> list[str]:
    counts = result["counts"]
    by_kind = counts["included_by_kind"]
    if not (by_kind["practice"] or by_kind["simulated"]):
        return []
    parts = []
    if by_kind["practice"]:
        parts.append(
            f"{by_kind['practice']} practice interview(s) started from the server's start page"
        )
    if by_kind["simulated"]:
        parts.append(f"{by_kind['simulated']} session(s) played by bots (`collabd simulate`)")
    return [
        f'<div class="banner"><strong>Not only real interviews:</strong> of the '
        f"{counts['included']} sessions analysed, {_e(' and '.join(parts))}. Leave out "
        "--include-practice / --include-simulated for real-world numbers.</div>"
    ]


def _data_section(result: dict[str, Any]) -> list[str]:
    """Where the data came from, what was left out and the terms used: after the findings."""
    counts = result["counts"]
    period = result["period"]
    kinds = ", ".join(result["options"]["include"])
    out = [
        "<h2>Data, exclusions and definitions</h2>",
        f"<p><strong>n = {counts['included']}</strong> sessions with complete mutual feedback "
        f"analysed, out of {counts['total']} stored ({counts['excluded_total']} excluded). "
        f"Kinds counted: {_e(kinds)}. Sessions ended between {_date(period['first_ended_at'])} "
        f"and {_date(period['last_ended_at'])}.</p>",
        '<p class="note">Each excluded session is counted once, under the first reason that '
        "applies, in this order. Practice sessions come from the start page's practice "
        "button, simulated ones from <code>collabd simulate</code>.</p>",
    ]
    rows = [[_e(reason.replace("_", " ")), str(n)] for reason, n in counts["excluded"].items()]
    out.append(_rows(["reason", "sessions"], rows))
    defs = result["definitions"]
    out.append(_rows(["term", "meaning"], [[_e(k), _e(v)] for k, v in defs.items()]))
    return out


def _size_references(largest: int) -> list[int]:
    """A few round session counts for the marker-size legend, the largest cell's count last."""
    refs = {largest}
    for fraction in (0.5, 0.1):
        target = largest * fraction
        if target >= 1:
            magnitude = 10 ** math.floor(math.log10(target))
            refs.add(max(n * magnitude for n in (1, 2, 5) if n * magnitude <= target))
    return sorted(refs)


def _summary(result: dict[str, Any]) -> list[str]:
    """The headline numbers, each as in its own section below ("—" when not computed)."""
    lin = result["fits"]["linear"]
    low = result["fits"]["linear_without_worst"]
    shares = result["rating_shares"]
    will = result["did_well_vs_would_work_with"]
    signed = result["interviewer_rating_vs_error"]["signed_error"]["pearson"]
    items = [
        f"Perceived on actual: R² = {_num(lin['r2'])} (n = {lin['n']}); without the worst "
        f"interviews (actual = 1): R² = {_num(low['r2'])} (n = {low['n']}).",
        f"Highest R² as data accumulated (n ≥ {result['r2_over_time']['max_r2_min_n']}): "
        f"{_num(result['r2_over_time']['max_r2'])}.",
        f"Under-rated themselves: {_pct(shares['overall']['shares']['under'])} of all "
        f"interviews, {_pct(shares['hirable']['shares']['under'])} of hirable ones; over-rated: "
        f"{_pct(shares['overall']['shares']['over'])}.",
        f"Interviewer rating vs signed self-assessment error: Pearson r = {_num(signed['r'])} "
        f"(p = {_p(signed['p'])}).",
        f"Those who thought they did well were {_num(will['willingness_ratio'], 2)} times as "
        f"likely to want to work with the interviewer (Fisher's p = "
        f"{_p(will['fisher_exact']['p'])}).",
    ]
    return ["<h2>Summary</h2>", "<ul>", *(f"<li>{item}</li>" for item in items), "</ul>"]


def _distribution_section(result: dict[str, Any]) -> list[str]:
    dist = result["distributions"]
    out = ["<h2>Actual and perceived scores</h2>", *_missing(dist["reason"])]
    if dist["n"]:

        def draw(fig: Figure) -> None:
            ax = fig.add_subplot()
            x = np.arange(len(SCORES))
            ax.bar(x - 0.2, dist["actual"], 0.4, label="actual (interviewer)", color=ACTUAL_COLOR)
            ax.bar(x + 0.2, dist["perceived"], 0.4, label="perceived (self)", color=PERCEIVED_COLOR)
            ax.set_xticks(x, [str(s) for s in SCORES])
            ax.set_xlabel("score")
            ax.set_ylabel("sessions")
            ax.legend()

        out.append(_chart(draw, "distributions of actual and perceived scores"))
    rows = [
        [str(s), str(a), str(p)]
        for s, a, p in zip(SCORES, dist["actual"], dist["perceived"], strict=True)
    ]
    rows.append(["mean", _num(dist["actual_mean"], 2), _num(dist["perceived_mean"], 2)])
    out.append(_rows(["score", "actual", "perceived"], rows))
    return out


def _table_section(result: dict[str, Any]) -> list[str]:
    counts = result["table"]["counts"]  # counts[perceived - 1][actual - 1]
    out = ["<h2>Perceived vs actual</h2>"]
    if sum(map(sum, counts)):

        def draw(fig: Figure) -> None:
            ax = fig.add_subplot()
            grid = np.array(counts)
            image = ax.imshow(grid, origin="lower", cmap="Blues", extent=(0.5, 4.5, 0.5, 4.5))
            fig.colorbar(image, ax=ax, label="sessions")
            for p in SCORES:
                for a in SCORES:
                    value = grid[p - 1, a - 1]
                    dark = value > grid.max() / 2
                    ax.text(
                        a,
                        p,
                        str(value),
                        ha="center",
                        va="center",
                        color="white" if dark else "black",
                    )
            ax.set_xticks(SCORES)
            ax.set_yticks(SCORES)
            ax.set_xlabel("actual (interviewer's technical score)")
            ax.set_ylabel("perceived (self-assessment)")

        out.append(_chart(draw, "heat map of perceived vs actual", size=(5.5, 4.4)))
    header = ["perceived \\ actual", *map(str, SCORES)]
    rows = [[str(p), *map(str, counts[p - 1])] for p in reversed(SCORES)]
    out.append(_rows(header, rows))
    return out


def _fit_section(result: dict[str, Any]) -> list[str]:
    fits = result["fits"]
    lin, low = fits["linear"], fits["linear_without_worst"]
    out = ["<h2>Regression of perceived on actual</h2>"]
    rows = [
        [
            "linear (all)",
            str(lin["n"]),
            _num(lin["slope"]),
            _num(lin["intercept"]),
            _num(lin["r2"]),
            _e(lin["reason"] or ""),
        ],
        [
            f"linear without the worst ({_e(low['removed'])}: {low['removed_count']} removed)",
            str(low["n"]),
            _num(low["slope"]),
            _num(low["intercept"]),
            _num(low["r2"]),
            _e(low["reason"] or ""),
        ],
    ]
    for poly in fits["polynomial"]:
        coefs = poly["coefficients"]
        shown = "—" if coefs is None else ", ".join(_num(c) for c in coefs)
        rows.append(
            [
                f"polynomial degree {poly['degree']} (c0, c1, …)",
                str(poly["n"]),
                shown,
                "",
                _num(poly["r2"]),
                _e(poly["reason"] or ""),
            ]
        )
    out.append(
        _rows(["model", "n", "slope / coefficients", "intercept", "R²", "why missing"], rows)
    )
    out.append(
        '<p class="note">With four score levels the cubic passes through the mean self-assessment '
        "at each level, so its R² is the most any curve in the actual score can explain.</p>"
    )
    counts = result["table"]["counts"]
    if lin["slope"] is not None:

        def draw(fig: Figure) -> None:
            ax = fig.add_subplot()
            grid = np.array(counts)
            ps, as_ = np.nonzero(grid)
            per_session = MAX_MARKER_AREA / grid.max()  # marker area in pt² for one session
            ax.scatter(
                as_ + 1,
                ps + 1,
                s=per_session * grid[ps, as_],
                color=ACTUAL_COLOR,
                alpha=0.35,
                edgecolors=ACTUAL_COLOR,
                linewidths=0.8,
                zorder=1,
            )
            xs = np.linspace(1, 4, 61)
            lines = [
                (xs, lin["intercept"] + lin["slope"] * xs, 0, f"linear, R² = {_num(lin['r2'], 2)}")
            ]
            if low["slope"] is not None:
                xl = np.linspace(2, 4, 41)
                label = f"linear without actual = 1, R² = {_num(low['r2'], 2)}"
                lines.append((xl, low["intercept"] + low["slope"] * xl, 1, label))
            for poly, style in zip(fits["polynomial"], (2, 3), strict=False):
                if poly["coefficients"] is not None:
                    ys = np.polynomial.polynomial.polyval(xs, poly["coefficients"])
                    label = f"degree {poly['degree']}, R² = {_num(poly['r2'], 2)}"
                    lines.append((xs, ys, style, label))
            for x, y, style, label in lines:
                color, dashes = FIT_STYLES[style]
                ax.plot(x, y, dashes, color=color, linewidth=2.2, label=label, zorder=2)
            ax.set_xlim(0.5, 4.5)
            ax.set_ylim(0.5, 4.5)
            ax.set_xticks(SCORES)
            ax.set_yticks(SCORES)
            ax.set_xlabel("actual")
            ax.set_ylabel("perceived")
            # Both legends sit outside the axes, so no data point is ever hidden under one.
            fig.legend(loc="outside right upper", fontsize="small", title="fits")
            sizes = [
                ax.scatter(
                    [],
                    [],
                    s=per_session * c,
                    color=ACTUAL_COLOR,
                    alpha=0.35,
                    edgecolors=ACTUAL_COLOR,
                    linewidths=0.8,
                )
                for c in _size_references(int(grid.max()))
            ]
            fig.legend(
                sizes,
                [f"{c} session{'' if c == 1 else 's'}" for c in _size_references(int(grid.max()))],
                loc="outside right lower",
                fontsize="small",
                title="marker area ∝ sessions",
                labelspacing=2.6,
                borderpad=1.4,
                handletextpad=1.6,
            )

        out.append(_chart(draw, "scatter of perceived vs actual with fits", size=(8.4, 4.8)))
    return out


def _shares_section(result: dict[str, Any]) -> list[str]:
    shares = result["rating_shares"]
    labels = {
        "overall": "all",
        "hirable": "hirable (actual ≥ 3)",
        "not_hirable": "not hirable (actual < 3)",
    }
    rows = []
    for key, label in labels.items():
        g = shares[key]
        rows.append(
            [
                _e(label),
                str(g["n"]),
                _pct(g["shares"]["under"]),
                _pct(g["shares"]["over"]),
                _pct(g["shares"]["exact"]),
                _num(g["mean_error"], 2),
                _num(g["mean_abs_error"], 2),
            ]
        )
    header = [
        "group",
        "n",
        "under-rate (actual &gt; self)",
        "over-rate (actual &lt; self)",
        "exact",
        "mean error",
        "mean |error|",
    ]
    return ["<h2>Under- and over-rating</h2>", _rows(header, rows)]


def _time_section(result: dict[str, Any]) -> list[str]:
    over = result["r2_over_time"]
    points = over["points"]
    out = [
        "<h2>R² as data accumulated</h2>",
        f"<p>R² of the linear fit over the first n sessions by end time. Final R² = "
        f"{_num(over['final_r2'])}; highest once n ≥ {over['max_r2_min_n']}: "
        f"{_num(over['max_r2'])}.</p>",
        *_missing(over["reason"]),
    ]
    if any(p["r2"] is not None for p in points):

        def draw(fig: Figure) -> None:
            ax = fig.add_subplot()
            n = [p["n"] for p in points]
            r2 = [np.nan if p["r2"] is None else p["r2"] for p in points]
            ax.plot(n, r2, color=ACTUAL_COLOR)
            if n[-1] >= STABLE_MIN_N:
                ax.axvline(STABLE_MIN_N, color="#aaa", linestyle=":", label=f"n = {STABLE_MIN_N}")
                ax.legend()
            ax.set_ylim(0, 1)
            ax.set_xlabel("sessions so far (by end time)")
            ax.set_ylabel("R²")

        out.append(_chart(draw, "R² over time"))
    return out


def _rating_section(result: dict[str, Any]) -> list[str]:
    rel = result["interviewer_rating_vs_error"]
    rows = []
    for key, label in (("signed_error", "signed (self − actual)"), ("absolute_error", "absolute")):
        c = rel[key]
        rows.append(
            [
                _e(label),
                _num(c["pearson"]["r"]),
                _p(c["pearson"]["p"]),
                _num(c["spearman"]["rho"]),
                _p(c["spearman"]["p"]),
                _e(c["reason"] or ""),
            ]
        )
    return [
        "<h2>Does a well-liked interviewer make people misjudge themselves?</h2>",
        f"<p>Correlation between how the interviewee rated the interviewer (mean of question "
        f"quality and helpfulness) and the self-assessment error, n = {rel['n']}.</p>",
        _rows(["error", "Pearson r", "p", "Spearman ρ", "p", "why missing"], rows),
    ]


def _willingness_section(result: dict[str, Any]) -> list[str]:
    w = result["did_well_vs_would_work_with"]
    (a, b), (c, d) = w["counts"]
    out = [
        "<h2>Thinking you did well vs wanting to work with the interviewer</h2>",
        _rows(
            ["self-assessment", "would work with", "would not", "willing"],
            [
                ["did well (≥ 3)", str(a), str(b), _pct(w["rate_did_well"])],
                ["did poorly (&lt; 3)", str(c), str(d), _pct(w["rate_did_poorly"])],
            ],
        ),
        f"<p>Willingness ratio (did well / did poorly): {_num(w['willingness_ratio'], 2)}. "
        f"Fisher's exact p = {_p(w['fisher_exact']['p'])}; chi-square (Yates) p = "
        f"{_p(w['chi_square']['p'])}.</p>",
        *_missing(w["willingness_ratio_reason"]),
        *_missing(w["fisher_exact"]["reason"]),
    ]
    if w["chi_square"]["note"]:
        out.append(f'<p class="note">{_e(w["chi_square"]["note"])}.</p>')
    return out


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
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Calibration history of {_e(label)}</h1>",
        f'<section class="headline"><p>{_e(sentence)}</p></section>',
        f"<p>{history['n']} interview(s) as a candidate. Mean gap (guess − actual) "
        f"{_num(history['mean_gap'], 2)}, mean |gap| {_num(history['mean_abs_gap'], 2)}; "
        f"trend of |gap| per interview {_num(history['trend']['abs_gap_per_interview'], 2)}.</p>",
        *_missing(history["reason"]),
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

        parts.append(_chart(draw, "calibration history", size=(7, 3)))
        rows = [
            [
                _e(s["session_id"]),
                _date(s["ended_at"]),
                _e(s["kind"]),
                str(s["guess"]),
                str(s["actual"]),
                f"{s['gap']:+d}" if s["gap"] else "0",
            ]
            for s in sessions
        ]
        parts.append(_rows(["session", "ended", "kind", "guess", "actual", "gap"], rows))
    parts.append("</body></html>")
    return "\n".join(parts)
