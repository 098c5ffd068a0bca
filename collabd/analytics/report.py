"""A self-contained HTML report of a study result: `render_html(compute(records)) -> str`.

One file with no external references: CSS inline, charts as PNG embedded in data: URIs, so it
can be mailed or attached to a ticket. Drawn with matplotlib's object API on the Agg canvas
(no pyplot, so no global figure state and no display needed; safe to call from a thread).
"""

from __future__ import annotations

import base64
import html
import io
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

_CSS = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2.2rem; }
table { border-collapse: collapse; margin: .6rem 0; }
td, th { border: 1px solid #ccc; padding: .25rem .6rem; text-align: right; }
th { background: #f3f3f3; } td.l, th.l { text-align: left; }
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
        *_overview(result),
        *_summary(result),
        *_distribution_section(result),
        *_table_section(result),
        *_fit_section(result),
        *_shares_section(result),
        *_time_section(result),
        *_rating_section(result),
        *_willingness_section(result),
        *_participant_section(result),
        "</body></html>",
    ]
    return "\n".join(parts)


# --- formatting -------------------------------------------------------------------------------


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _num(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


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


def _rows(header: list[str], rows: list[list[str]]) -> str:
    """An HTML table; cells are already escaped/formatted; the first column is left-aligned."""

    def line(cells: list[str], tag: str) -> str:
        first, *rest = cells
        return (
            f'<tr><{tag} class="l">{first}</{tag}>'
            + "".join(f"<{tag}>{c}</{tag}>" for c in rest)
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


def _overview(result: dict[str, Any]) -> list[str]:
    counts = result["counts"]
    options = result["options"]
    period = result["period"]
    out = []
    if counts["simulated_included"]:
        out.append(
            f'<div class="banner"><strong>Includes simulated sessions:</strong> '
            f"{counts['simulated_included']} of the {counts['included']} sessions analysed were "
            "created by the practice-data simulator, not by real interviews. Re-run with "
            "simulated sessions excluded for real-world numbers.</div>"
        )
    sim = "included" if options["include_simulated"] else "excluded"
    out.append(
        f"<p><strong>n = {counts['included']}</strong> sessions with complete mutual feedback "
        f"analysed, out of {counts['total']} stored ({counts['excluded_total']} excluded). "
        f"Simulated sessions: {sim}. Sessions ended between {_date(period['first_ended_at'])} "
        f"and {_date(period['last_ended_at'])}.</p>"
    )
    rows = [[_e(reason.replace("_", " ")), str(n)] for reason, n in counts["excluded"].items()]
    out.append("<h2>Exclusions</h2>")
    out.append(
        '<p class="note">Each excluded session is counted once, under the first reason that '
        "applies, in this order.</p>"
    )
    out.append(_rows(["reason", "sessions"], rows))
    defs = result["definitions"]
    out.append("<h2>Definitions</h2>")
    out.append(_rows(["term", "meaning"], [[_e(k), _e(v)] for k, v in defs.items()]))
    return out


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
            ax.scatter(
                as_ + 1,
                ps + 1,
                s=40 + 900 * grid[ps, as_] / grid.max(),
                color=ACTUAL_COLOR,
                alpha=0.35,
                label="sessions (area ∝ count)",
            )
            xs = np.linspace(1, 4, 61)
            ax.plot(
                xs,
                lin["intercept"] + lin["slope"] * xs,
                color="black",
                label=f"linear, R² = {_num(lin['r2'], 2)}",
            )
            if low["slope"] is not None:
                xl = np.linspace(2, 4, 41)
                ax.plot(
                    xl,
                    low["intercept"] + low["slope"] * xl,
                    "--",
                    color="#555",
                    label=f"linear without actual = 1, R² = {_num(low['r2'], 2)}",
                )
            for poly, style in zip(fits["polynomial"], (":", "-."), strict=False):
                if poly["coefficients"] is not None:
                    ys = np.polynomial.polynomial.polyval(xs, poly["coefficients"])
                    ax.plot(
                        xs,
                        ys,
                        style,
                        color=PERCEIVED_COLOR,
                        label=f"degree {poly['degree']}, R² = {_num(poly['r2'], 2)}",
                    )
            ax.set_xlim(0.5, 4.5)
            ax.set_ylim(0.5, 4.5)
            ax.set_xticks(SCORES)
            ax.set_yticks(SCORES)
            ax.set_xlabel("actual")
            ax.set_ylabel("perceived")
            ax.legend(fontsize="small", loc="lower right")

        out.append(_chart(draw, "scatter of perceived vs actual with fits", size=(6, 4.6)))
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


def _participant_section(result: dict[str, Any]) -> list[str]:
    part = result["participant"]
    if part is None:
        return []
    out = [
        f"<h2>Calibration history of participant {_e(part['pid'])}</h2>",
        f"<p>{part['n']} session(s) as interviewee ({part['excluded']} excluded). Mean error "
        f"{_num(part['mean_error'], 2)}, mean |error| {_num(part['mean_abs_error'], 2)}, "
        f"exact {_pct(part['exact_share'])}.</p>",
        *_missing(part["reason"]),
    ]
    sessions = part["sessions"]
    if sessions:

        def draw(fig: Figure) -> None:
            ax = fig.add_subplot()
            x = np.arange(1, len(sessions) + 1)
            ax.plot(x, [s["actual"] for s in sessions], "o-", color=ACTUAL_COLOR, label="actual")
            ax.plot(x, [s["self"] for s in sessions], "s--", color=PERCEIVED_COLOR, label="self")
            ax.set_ylim(0.5, 4.5)
            ax.set_yticks(SCORES)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_xlabel("session (by end time)")
            ax.set_ylabel("score")
            ax.legend()

        out.append(_chart(draw, "participant calibration history", size=(6, 3)))
        rows = [
            [
                _e(s["session_id"]),
                _date(s["ended_at"]),
                str(s["self"]),
                str(s["actual"]),
                f"{s['error']:+d}" if s["error"] else "0",
                "yes" if s["simulated"] else "",
            ]
            for s in sessions
        ]
        out.append(_rows(["session", "ended", "self", "actual", "error", "simulated"], rows))
    return out
