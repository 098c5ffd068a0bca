"""The perceived-vs-actual study over stored interview feedback (issues 7 and 15).

Importing this package is cheap: only `records` (stdlib) is loaded. The numbers live in
`collabd.analytics.study.compute`, the HTML report in `collabd.analytics.report.render_html`;
both need the `analytics` extra and raise `MissingExtraError` when it is missing. One person's
calibration history, `collabd.analytics.person.history`, is stdlib only (the server uses it).
"""

from collabd.analytics.extra import MissingExtraError
from collabd.analytics.records import InterviewRecord, Observation, classify

__all__ = ["InterviewRecord", "MissingExtraError", "Observation", "classify"]
