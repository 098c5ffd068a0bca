"""The report's sections with their tables and charts: distributions, the 4x4 table, the fits,
under- and over-rating, R² over time, the interviewer's rating and willingness."""

from __future__ import annotations

import math
from typing import Any

from collabd.analytics.report_format import (
    ACTUAL_COLOR,
    FIT_STYLES,
    MAX_MARKER_AREA,
    PERCEIVED_COLOR,
    SCORES,
    Figure,
    chart,
    esc,
    missing,
    np,
    num,
    pct,
    pval,
    table,
)
from collabd.analytics.study_fits import STABLE_MIN_N


def _size_references(largest: int) -> list[int]:
    """A few round session counts for the marker-size legend, the largest cell's count last."""
    refs = {largest}
    for fraction in (0.5, 0.1):
        target = largest * fraction
        if target >= 1:
            magnitude = 10 ** math.floor(math.log10(target))
            refs.add(max(n * magnitude for n in (1, 2, 5) if n * magnitude <= target))
    return sorted(refs)

def distribution_section(result: dict[str, Any]) -> list[str]:
    dist = result["distributions"]
    out = ["<h2>Actual and perceived scores</h2>", *missing(dist["reason"])]
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

        out.append(chart(draw, "distributions of actual and perceived scores"))
    rows = [
        [str(s), str(a), str(p)]
        for s, a, p in zip(SCORES, dist["actual"], dist["perceived"], strict=True)
    ]
    rows.append(["mean", num(dist["actual_mean"], 2), num(dist["perceived_mean"], 2)])
    out.append(table(["score", "actual", "perceived"], rows))
    return out


def table_section(result: dict[str, Any]) -> list[str]:
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

        out.append(chart(draw, "heat map of perceived vs actual", size=(5.5, 4.4)))
    header = ["perceived \\ actual", *map(str, SCORES)]
    rows = [[str(p), *map(str, counts[p - 1])] for p in reversed(SCORES)]
    out.append(table(header, rows))
    return out


def fit_section(result: dict[str, Any]) -> list[str]:
    fits = result["fits"]
    lin, low = fits["linear"], fits["linear_without_worst"]
    out = ["<h2>Regression of perceived on actual</h2>"]
    rows = [
        [
            "linear (all)",
            str(lin["n"]),
            num(lin["slope"]),
            num(lin["intercept"]),
            num(lin["r2"]),
            esc(lin["reason"] or ""),
        ],
        [
            f"linear without the worst ({esc(low['removed'])}: {low['removed_count']} removed)",
            str(low["n"]),
            num(low["slope"]),
            num(low["intercept"]),
            num(low["r2"]),
            esc(low["reason"] or ""),
        ],
    ]
    for poly in fits["polynomial"]:
        coefs = poly["coefficients"]
        shown = "—" if coefs is None else ", ".join(num(c) for c in coefs)
        rows.append(
            [
                f"polynomial degree {poly['degree']} (c0, c1, …)",
                str(poly["n"]),
                shown,
                "",
                num(poly["r2"]),
                esc(poly["reason"] or ""),
            ]
        )
    out.append(
        table(["model", "n", "slope / coefficients", "intercept", "R²", "why missing"], rows)
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
                (xs, lin["intercept"] + lin["slope"] * xs, 0, f"linear, R² = {num(lin['r2'], 2)}")
            ]
            if low["slope"] is not None:
                xl = np.linspace(2, 4, 41)
                label = f"linear without actual = 1, R² = {num(low['r2'], 2)}"
                lines.append((xl, low["intercept"] + low["slope"] * xl, 1, label))
            for poly, style in zip(fits["polynomial"], (2, 3), strict=False):
                if poly["coefficients"] is not None:
                    ys = np.polynomial.polynomial.polyval(xs, poly["coefficients"])
                    label = f"degree {poly['degree']}, R² = {num(poly['r2'], 2)}"
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

        out.append(chart(draw, "scatter of perceived vs actual with fits", size=(8.4, 4.8)))
    return out


def shares_section(result: dict[str, Any]) -> list[str]:
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
                esc(label),
                str(g["n"]),
                pct(g["shares"]["under"]),
                pct(g["shares"]["over"]),
                pct(g["shares"]["exact"]),
                num(g["mean_error"], 2),
                num(g["mean_abs_error"], 2),
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
    return ["<h2>Under- and over-rating</h2>", table(header, rows)]


def time_section(result: dict[str, Any]) -> list[str]:
    over = result["r2_over_time"]
    points = over["points"]
    out = [
        "<h2>R² as data accumulated</h2>",
        f"<p>R² of the linear fit over the first n sessions by end time. Final R² = "
        f"{num(over['final_r2'])}; highest once n ≥ {over['max_r2_min_n']}: "
        f"{num(over['max_r2'])}.</p>",
        *missing(over["reason"]),
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

        out.append(chart(draw, "R² over time"))
    return out


def rating_section(result: dict[str, Any]) -> list[str]:
    rel = result["interviewer_rating_vs_error"]
    rows = []
    for key, label in (("signed_error", "signed (self − actual)"), ("absolute_error", "absolute")):
        c = rel[key]
        rows.append(
            [
                esc(label),
                num(c["pearson"]["r"]),
                pval(c["pearson"]["p"]),
                num(c["spearman"]["rho"]),
                pval(c["spearman"]["p"]),
                esc(c["reason"] or ""),
            ]
        )
    return [
        "<h2>Does a well-liked interviewer make people misjudge themselves?</h2>",
        f"<p>Correlation between how the interviewee rated the interviewer (mean of question "
        f"quality and helpfulness) and the self-assessment error, n = {rel['n']}.</p>",
        table(["error", "Pearson r", "p", "Spearman ρ", "p", "why missing"], rows),
    ]


def willingness_section(result: dict[str, Any]) -> list[str]:
    w = result["did_well_vs_would_work_with"]
    (a, b), (c, d) = w["counts"]
    out = [
        "<h2>Thinking you did well vs wanting to work with the interviewer</h2>",
        table(
            ["self-assessment", "would work with", "would not", "willing"],
            [
                ["did well (≥ 3)", str(a), str(b), pct(w["rate_did_well"])],
                ["did poorly (&lt; 3)", str(c), str(d), pct(w["rate_did_poorly"])],
            ],
        ),
        f"<p>Willingness ratio (did well / did poorly): {num(w['willingness_ratio'], 2)}. "
        f"Fisher's exact p = {pval(w['fisher_exact']['p'])}; chi-square (Yates) p = "
        f"{pval(w['chi_square']['p'])}.</p>",
        *missing(w["willingness_ratio_reason"]),
        *missing(w["fisher_exact"]["reason"]),
    ]
    if w["chi_square"]["note"]:
        out.append(f'<p class="note">{esc(w["chi_square"]["note"])}.</p>')
    return out
