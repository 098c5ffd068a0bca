"""The `collabd analytics` sub-command.

Wiring (collabd/cli.py):

    analytics_cli.add_parser(subparsers).set_defaults(func=analytics_cli.main)

`main(args)` opens the store of `--data-dir` (refusing, with one line and exit status 2, a
directory or store that does not exist or a file that is not a collabd store: a mistyped path
must not read as an empty study), then `run` computes the study, or `run_person` one person's
calibration history (`--person EXTERNAL_ID`). A damaged session row is named on stderr and
skipped (`skipped` in the result), never the end of the study.

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
from collabd.analytics.person import history, person_key
from collabd.analytics.records import InterviewRecord

EXIT_OK = 0
EXIT_FAILED = 1  # the output file could not be written
EXIT_NO_STORE = 2  # the data directory or its store does not exist
EXIT_MISSING_EXTRA = 3
SKIPPED_NAMED = 20  # damaged sessions named one per line on stderr; all are in the output
STORE_FILE = "collabd.sqlite3"


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Add the `analytics` sub-command to `subparsers` and return its parser."""
    parser = subparsers.add_parser(
        "analytics",
        help="perceived-vs-actual performance study over stored feedback",
        description=(
            "Compute the perceived-vs-actual study from the stored feedback of real sessions "
            "where both sides submitted, as JSON or a self-contained HTML report; or, with "
            "--person, one person's calibration history. Needs the 'analytics' extra: "
            "pip install 'collabd[analytics]'."
        ),
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="the server's data directory (its store); it must exist",
    )
    parser.add_argument(
        "--format", choices=("json", "html"), default="json", help="output format (json)"
    )
    parser.add_argument(
        "--out", type=Path, default=None, metavar="PATH", help="write here instead of stdout"
    )
    parser.add_argument(
        "--include-practice",
        action="store_true",
        help="also count practice sessions (the start page's practice interviews)",
    )
    parser.add_argument(
        "--include-simulated",
        action="store_true",
        help="also count sessions created by `collabd simulate`",
    )
    parser.add_argument(
        "--person",
        metavar="EXTERNAL_ID",
        default=None,
        help="instead of the study, this person's calibration history as a candidate (the "
        "external_id the embedder gave when creating sessions; admin only)",
    )
    return parser


def included_kinds(args: argparse.Namespace) -> list[str]:
    """The kinds of session counted besides real ones, from the flags."""
    return [
        kind
        for kind, flag in (
            ("practice", args.include_practice),
            ("simulated", args.include_simulated),
        )
        if flag
    ]


def main(
    args: argparse.Namespace, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """The whole command: read the store of args.data_dir, then `run` or `run_person`."""
    from collabd.config import default_data_dir

    err_stream = sys.stderr if stderr is None else stderr
    data_dir: Path = args.data_dir or default_data_dir()
    problem = store_problem(data_dir)
    if problem is not None:
        print(f"collabd analytics: {problem}", file=err_stream)
        return EXIT_NO_STORE

    from collabd.adapters.sqlite_store import SqliteStore
    from collabd.analytics.records import from_session_rows
    from collabd.ports import StoreError

    try:
        store = SqliteStore(data_dir / STORE_FILE)
    except StoreError as exc:
        print(f"collabd analytics: cannot open the store in {data_dir}: {exc}", file=err_stream)
        return EXIT_NO_STORE
    try:
        if args.person is None:
            rows = store.all_sessions()
        else:
            secret = _stored_secret(data_dir)
            rows = (
                [] if secret is None else store.candidate_sessions(person_key(secret, args.person))
            )
    finally:
        store.close()
    records, skipped = from_session_rows(rows)
    warn_skipped(skipped, err_stream)
    if args.person is None:
        return run(args, records, stdout=stdout, stderr=stderr, skipped=skipped)
    return run_person(args, records, stdout=stdout, stderr=stderr)


def warn_skipped(skipped: list[dict[str, str]], err_stream: TextIO) -> None:
    """A line per damaged session (the first SKIPPED_NAMED of them), then how many in all."""
    for row in skipped[:SKIPPED_NAMED]:
        print(f"collabd analytics: skipped session {row['session_id']}: {row['reason']}",
              file=err_stream)
    if skipped:
        more = len(skipped) - SKIPPED_NAMED
        print(f"collabd analytics: {len(skipped)} damaged session(s) skipped"
              + (f" ({more} not named here; all are under `skipped`)" if more > 0 else ""),
              file=err_stream)


def store_problem(data_dir: Path) -> str | None:
    """Why `data_dir` holds no store to read, or None. Reading never creates one, nor
    migrates a file that is not a collabd store into one."""
    if not data_dir.is_dir():
        return f"data directory {data_dir} does not exist (pass the server's --data-dir)"
    path = data_dir / STORE_FILE
    if not path.is_file():
        return (
            f"no store in {data_dir} ({STORE_FILE} is missing): is it the server's data directory?"
        )
    from collabd.adapters.sqlite_store import not_a_store

    return not_a_store(path)


def _stored_secret(data_dir: Path) -> bytes | None:
    """The server secret, without creating one (none means nobody can have a person key)."""
    from collabd.config import load_secret

    if os.environ.get("COLLABD_SECRET") or (data_dir / "secret").is_file():
        return load_secret(data_dir)
    return None


def run(
    args: argparse.Namespace,
    records: Iterable[InterviewRecord],
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    skipped: list[dict[str, str]] | None = None,
) -> int:
    """Compute the study over `records` and write it as args.format; return an exit code.
    `skipped`: the stored sessions that could not be read, reported in the result."""
    err_stream = sys.stderr if stderr is None else stderr
    try:
        from collabd.analytics.study import compute

        if args.format == "html":
            from collabd.analytics.report import render_html
    except MissingExtraError as exc:
        print(f"collabd analytics: {exc}", file=err_stream)
        return EXIT_MISSING_EXTRA

    result = compute(records, include=included_kinds(args), skipped=skipped or ())
    if args.format == "html":
        text = render_html(result)
    else:
        text = json.dumps(result, indent=2, allow_nan=False) + "\n"
    return _emit(args, text, stdout, err_stream)


def run_person(
    args: argparse.Namespace,
    records: Iterable[InterviewRecord],
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Write the calibration history of args.person over `records` (their sessions as the
    candidate) as args.format; return an exit code."""
    err_stream = sys.stderr if stderr is None else stderr
    result = history(records, include=included_kinds(args))
    if args.format == "html":
        try:
            from collabd.analytics.report import render_person_html
        except MissingExtraError as exc:
            print(f"collabd analytics: {exc}", file=err_stream)
            return EXIT_MISSING_EXTRA
        text = render_person_html(result, args.person)
    else:
        text = json.dumps(result, indent=2, allow_nan=False) + "\n"
    return _emit(args, text, stdout, err_stream)


def _emit(args: argparse.Namespace, text: str, stdout: TextIO | None, err_stream: TextIO) -> int:
    if args.out is None:
        (sys.stdout if stdout is None else stdout).write(text)
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
