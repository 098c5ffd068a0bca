"""The `analytics` sub-command: options, output formats, files."""

import argparse
import io
import json

import pytest

from collabd.analytics import cli
from collabd.analytics.study import compute

from .helpers import hand_records, record


def parse(argv):
    parser = argparse.ArgumentParser(prog="collabd")
    sub = parser.add_subparsers(dest="command", required=True)
    returned = cli.add_parser(sub)
    assert returned.prog == "collabd analytics"
    return parser.parse_args(["analytics", *argv])


def records():
    return hand_records() + [record(40, 2, 4, simulated=True, interviewee="alice")]


def test_defaults(tmp_path):
    args = parse([])
    assert args.command == "analytics"
    assert args.data_dir is None
    assert args.format == "json"
    assert args.out is None
    assert args.exclude_simulated is False
    assert args.participant is None
    args = parse(["--data-dir", str(tmp_path), "--format", "html", "--out", "r.html",
                  "--exclude-simulated", "--participant", "alice"])  # fmt: skip
    assert args.data_dir == tmp_path
    assert (args.format, str(args.out), args.exclude_simulated, args.participant) == (
        "html",
        "r.html",
        True,
        "alice",
    )


def test_rejects_unknown_format(capsys):
    with pytest.raises(SystemExit):
        parse(["--format", "xml"])
    assert "invalid choice" in capsys.readouterr().err


def test_json_to_stdout_is_the_computed_result():
    out = io.StringIO()
    assert cli.run(parse([]), records(), stdout=out, stderr=io.StringIO()) == cli.EXIT_OK
    assert json.loads(out.getvalue()) == compute(records())


def test_options_reach_the_study():
    out = io.StringIO()
    args = parse(["--exclude-simulated", "--participant", "alice"])
    assert cli.run(args, records(), stdout=out, stderr=io.StringIO()) == 0
    result = json.loads(out.getvalue())
    assert result["options"] == {"include_simulated": False, "participant": "alice"}
    assert result["counts"]["excluded"]["simulated"] == 1
    assert result["participant"]["n"] == 0 and result["participant"]["excluded"] == 1


def test_html_to_file(tmp_path):
    target = tmp_path / "report.html"
    err = io.StringIO()
    args = parse(["--format", "html", "--out", str(target)])
    assert cli.run(args, records(), stdout=io.StringIO(), stderr=err) == 0
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "data:image/png;base64," in page
    assert "Includes simulated sessions" in page
    assert f"wrote {target}" in err.getvalue()
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary left over


def test_json_to_file_replaces_an_old_report(tmp_path):
    target = tmp_path / "study.json"
    target.write_text("old", encoding="utf-8")
    args = parse(["--out", str(target)])
    assert cli.run(args, records(), stdout=io.StringIO(), stderr=io.StringIO()) == 0
    assert json.loads(target.read_text(encoding="utf-8"))["counts"]["total"] == 9


def test_unwritable_destination_is_an_error_not_a_traceback(tmp_path):
    err = io.StringIO()
    args = parse(["--out", str(tmp_path / "missing-dir" / "study.json")])
    assert cli.run(args, records(), stdout=io.StringIO(), stderr=err) == cli.EXIT_FAILED
    assert "cannot write" in err.getvalue()
