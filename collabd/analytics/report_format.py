"""What the HTML reports share: the style sheet, colours, number and date formats, tables,
and charts drawn with matplotlib's object API on the Agg canvas (no pyplot, so no global figure
state and no display needed; safe to call from a thread)."""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime

from collabd.analytics.extra import MissingExtraError

try:
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator
except ImportError as exc:
    raise MissingExtraError((exc.name or "matplotlib").partition(".")[0]) from exc

__all__ = [  # numpy and the Figure too: the other report modules draw with them
    "ACTUAL_COLOR", "CSS", "FIT_STYLES", "MAX_MARKER_AREA", "PERCEIVED_COLOR", "SCORES",
    "Figure", "MaxNLocator", "chart", "esc", "missing", "np", "num", "pct", "pval", "table",
    "when",
]

SCORES = [1, 2, 3, 4]
ACTUAL_COLOR = "#3b6ea5"
PERCEIVED_COLOR = "#d9822b"
MAX_MARKER_AREA = 1100.0  # pt², the scatter marker of the fullest cell
# the four fit lines: colour and dash pattern differ, so they can be told apart in grey too
FIT_STYLES = [("black", "-"), ("#1b9e77", "--"), ("#d95f02", ":"), ("#7570b3", "-.")]

CSS = """
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


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def num(value: float | None, digits: int = 3) -> str:
    if value is None:
        return "—"
    text = f"{value:.{digits}f}"
    # a tiny negative rounds to "-0.000": print zero as zero
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def pval(value: float | None) -> str:
    return "—" if value is None else f"{value:.3g}"


def pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def when(ms: int | None) -> str:
    if ms is None:
        return "—"
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def missing(reason: str | None) -> list[str]:
    return [] if reason is None else [f'<p class="missing">Not computed: {esc(reason)}.</p>']


_NUMERIC = re.compile(r"[-+−]?[0-9][0-9.,]*%?|—")


def table(header: list[str], rows: list[list[str]]) -> str:
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


def chart(draw: Callable[[Figure], None], alt: str, size: tuple[float, float] = (6, 3.6)) -> str:
    fig = Figure(figsize=size, dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    draw(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="{esc(alt)}" src="data:image/png;base64,{data}">'
