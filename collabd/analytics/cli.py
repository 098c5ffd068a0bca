"""The `collabd analytics` sub-command.

Wiring (collabd/cli.py):

    analytics_cli.add_parser(subparsers)          # adds `analytics` and its options
    ...
    if args.command == "analytics":
        records = store_for(args.data_dir).feedback_records()
        return analytics_cli.run(args, records)

Importing this module is cheap (argparse only): numpy, scipy and matplotlib are imported by
run(), which prints a clear message and returns EXIT_MISSING_EXTRA when the extra is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from collabd.analytics.extra import MissingExtraError
from collabd.analytics.records import InterviewRecord

EXIT_OK = 0
EXIT_FAILED = 1  # the output file could not be written
EXIT_MISSING_EXTRA = 3


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Add the `analytics` sub-command to `subparsers` and return its parser."""
    parser = subparsers.add_parser(
        "analytics",
        help="perceived-vs-actual performance study over stored feedback",
        description=(
            "Compute the perceived-vs-actual study (issue 7) from the stored feedback of "
            "sessions where both sides submitted, as JSON or a self-contained HTML report. "
            "Needs the 'analytics' extra: pip install 'collabd[analytics]'."
        ),
    )
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="the server's data directory (its store)"
    )
    parser.add_argument(
        "--format", choices=("json", "html"), default="json", help="output format (json)"
    )
    parser.add_argument(
        "--out", type=Path, default=None, metavar="PATH", help="write here instead of stdout"
    )
    parser.add_argument(
        "--exclude-simulated",
        action="store_true",
        help="leave out sessions created by `collabd simulate`",
    )
    parser.add_argument(
        "--participant",
        metavar="PID",
        default=None,
        help="add this interviewee's calibration history (admin only: it is per-person)",
    )
    return parser


def run(
    args: argparse.Namespace,
    records: Iterable[InterviewRecord],
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Compute the study over `records` and write it as args.format; return an exit code."""
    out_stream = sys.stdout if stdout is None else stdout
    err_stream = sys.stderr if stderr is None else stderr
    try:
        from collabd.analytics.study import compute

        if args.format == "html":
            from collabd.analytics.report import render_html
    except MissingExtraError as exc:
        print(f"collabd analytics: {exc}", file=err_stream)
        return EXIT_MISSING_EXTRA

    result = compute(
        records, include_simulated=not args.exclude_simulated, participant=args.participant
    )
    if args.format == "html":
        text = render_html(result)
    else:
        text = json.dumps(result, indent=2, allow_nan=False) + "\n"

    if args.out is None:
        out_stream.write(text)
        return EXIT_OK
    try:
        _write_atomically(args.out, text)
    except OSError as exc:
        print(f"collabd analytics: cannot write {args.out}: {exc.strerror or exc}", file=err_stream)
        return EXIT_FAILED
    print(f"collabd analytics: wrote {args.out}", file=err_stream)
    return EXIT_OK


def _write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file in the same directory, so a reader never sees half a report.

    The file ends up readable by its owner only (mkstemp's mode): it may hold per-person data.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
