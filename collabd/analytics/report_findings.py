"""The report's text: the headline findings in plain sentences, the banner for practice and
simulated sessions, the summary list and the data section (sources, exclusions, terms)."""

from __future__ import annotations

from typing import Any

from collabd.analytics.report_format import esc, num, pct, pval, table, when


def _kinds_phrase(counts: dict[str, int], kinds: tuple[str, ...]) -> str:
    """ "1 practice session and 5 simulated sessions" over the kinds counted ("" if none)."""
    parts = [f"{counts[k]} {k} session{'' if counts[k] == 1 else 's'}" for k in kinds if counts[k]]
    return " and ".join(parts)


def _chance(p: float) -> str:
    """A p-value as a plain chance."""
    return "less than 0.1%" if p < 0.001 else f"{100 * p:.2g}%"


def headline(result: dict[str, Any]) -> list[str]:
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
            f"accounts for {pct(lin['r2'])} of the differences between candidates' own ratings "
            f"of their performance (the R² of the linear fit below; n = {lin['n']})"
        )
        if low["r2"] is not None:
            text += (
                f"; leaving out the {low['removed_count']} worst interviews (technical score "
                f"1), it accounts for {pct(low['r2'])} (n = {low['n']})"
            )
        sentences.append(text + ".")
    else:
        sentences.append(
            "<strong>How well candidates judge themselves</strong> cannot be measured yet: "
            f"{esc(lin['reason'])}."
        )

    ratio, fisher_p = will["willingness_ratio"], will["fisher_exact"]["p"]
    if ratio is not None:
        text = (
            f"<strong>Feeling and willingness:</strong> candidates who thought they did well "
            f"wanted to work with their interviewer {pct(will['rate_did_well'])} of the time, "
            f"those who thought they did poorly {pct(will['rate_did_poorly'])}: "
            f"{num(ratio, 2)} times as likely."
        )
        if fisher_p is not None:
            text += (
                " If how they felt made no difference, a gap at least this large would turn up "
                f"by chance {_chance(fisher_p)} of the time (Fisher's exact test, "
                f"p = {pval(fisher_p)})."
            )
        sentences.append(text)
    else:
        why = will["willingness_ratio_reason"]
        sentences.append(
            "<strong>Feeling and willingness:</strong> the did-well / would-work-with ratio "
            f"cannot be computed: {esc(why)}."
        )
    return [
        '<section class="headline" id="headline">',
        *(f"<p>{s}</p>" for s in sentences),
        "</section>",
    ]


def banner(result: dict[str, Any]) -> list[str]:
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
        f"{counts['included']} sessions analysed, {esc(' and '.join(parts))}. Leave out "
        "--include-practice / --include-simulated for real-world numbers.</div>"
    ]


def data_section(result: dict[str, Any]) -> list[str]:
    """Where the data came from, what was left out and the terms used: after the findings."""
    counts = result["counts"]
    period = result["period"]
    kinds = ", ".join(result["options"]["include"])
    out = [
        "<h2>Data, exclusions and definitions</h2>",
        f"<p><strong>n = {counts['included']}</strong> sessions with complete mutual feedback "
        f"analysed, out of {counts['total']} stored ({counts['excluded_total']} excluded). "
        f"Kinds counted: {esc(kinds)}. Sessions ended between {when(period['first_ended_at'])} "
        f"and {when(period['last_ended_at'])}.</p>",
        '<p class="note">Each excluded session is counted once, under the first reason that '
        "applies, in this order. Practice sessions come from the start page's practice "
        "button, simulated ones from <code>collabd simulate</code>.</p>",
    ]
    rows = [[esc(reason.replace("_", " ")), str(n)] for reason, n in counts["excluded"].items()]
    out.append(table(["reason", "sessions"], rows))
    defs = result["definitions"]
    out.append(table(["term", "meaning"], [[esc(k), esc(v)] for k, v in defs.items()]))
    return out

def summary(result: dict[str, Any]) -> list[str]:
    """The headline numbers, each as in its own section below ("—" when not computed)."""
    lin = result["fits"]["linear"]
    low = result["fits"]["linear_without_worst"]
    shares = result["rating_shares"]
    will = result["did_well_vs_would_work_with"]
    signed = result["interviewer_rating_vs_error"]["signed_error"]["pearson"]
    items = [
        f"Perceived on actual: R² = {num(lin['r2'])} (n = {lin['n']}); without the worst "
        f"interviews (actual = 1): R² = {num(low['r2'])} (n = {low['n']}).",
        f"Highest R² as data accumulated (n ≥ {result['r2_over_time']['max_r2_min_n']}): "
        f"{num(result['r2_over_time']['max_r2'])}.",
        f"Under-rated themselves: {pct(shares['overall']['shares']['under'])} of all "
        f"interviews, {pct(shares['hirable']['shares']['under'])} of hirable ones; over-rated: "
        f"{pct(shares['overall']['shares']['over'])}.",
        f"Interviewer rating vs signed self-assessment error: Pearson r = {num(signed['r'])} "
        f"(p = {pval(signed['p'])}).",
        f"Those who thought they did well were {num(will['willingness_ratio'], 2)} times as "
        f"likely to want to work with the interviewer (Fisher's p = "
        f"{pval(will['fisher_exact']['p'])}).",
    ]
    return ["<h2>Summary</h2>", "<ul>", *(f"<li>{item}</li>" for item in items), "</ul>"]
