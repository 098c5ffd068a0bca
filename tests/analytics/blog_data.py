"""A seeded dataset shaped like the blog post's: 254 complete interviews among incomplete ones.

The shape: actual scores mostly 2-3, a weak link from actual to perceived (R² around 0.2),
willingness to work with the interviewer about three times higher among those who think they
did well, and an interviewer rating unrelated to the self-assessment error.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from collabd.analytics.records import InterviewRecord

from .helpers import T0, record

COMPLETE = 254
NOT_ENDED = 30
INTERVIEWER_MISSING = 25
INTERVIEWEE_MISSING = 40
SIMULATED = 12


def blog_records(seed: int = 2016) -> list[InterviewRecord]:
    rng = np.random.default_rng(seed)
    total = COMPLETE + NOT_ENDED + INTERVIEWER_MISSING + INTERVIEWEE_MISSING + SIMULATED
    actual = rng.choice([1, 2, 3, 4], size=total, p=[0.12, 0.30, 0.38, 0.20])
    latent = 1.3 + 0.45 * actual + rng.normal(0, 0.75, size=total)
    perceived = np.clip(np.rint(latent), 1, 4).astype(int)
    willing = rng.random(total) < np.where(perceived >= 3, 0.75, 0.25)
    ratings = rng.integers(2, 5, size=(total, 2))
    ended = T0 + np.cumsum(rng.integers(60_000, 86_400_000, size=total))
    interviewees = rng.integers(0, 60, size=total)

    records = []
    for i in range(total):
        r = record(
            i,
            int(actual[i]),
            int(perceived[i]),
            would_work_with=bool(willing[i]),
            rating=(int(ratings[i, 0]), int(ratings[i, 1])),
            interviewee=f"pid-{interviewees[i]}",
            ended_at=int(ended[i]),
        )
        k = i - COMPLETE
        if k < 0:
            pass
        elif k < NOT_ENDED:
            r = dataclasses.replace(r, ended_at=None)
        elif (k := k - NOT_ENDED) < INTERVIEWER_MISSING:
            r = dataclasses.replace(r, interviewer_form=None)
        elif (k := k - INTERVIEWER_MISSING) < INTERVIEWEE_MISSING:
            r = dataclasses.replace(r, interviewee_form=None)
        else:
            r = dataclasses.replace(r, kind="simulated")
        records.append(r)
    order = rng.permutation(total)  # the store's order is not the time order
    return [records[j] for j in order]
