"""The `analytics` sub-command: options, output formats, files, the store it reads."""

import argparse
import io
import json

import pytest

from collabd import cli as collabd_cli
from collabd.adapters.sqlite_store import SqliteStore
from collabd.analytics import cli
from collabd.analytics.person import history, person_key
from collabd.analytics.study import compute

from .helpers import hand_records, record, stored_record


def parse(argv):
    parser = argparse.ArgumentParser(prog="collabd")
    sub = parser.add_subparsers(dest="command", required=True)
    returned = cli.add_parser(sub)
    assert returned.prog == "collabd analytics"
    return parser.parse_args(["analytics", *argv])


def records():
    return hand_records() + [
        record(40, 2, 4, kind="simulated", interviewee="alice"),
        record(41, 3, 1, kind="practice"),
    ]


def test_defaults(tmp_path):
    args = parse([])
    assert args.command == "analytics"
    assert args.data_dir is None
    assert args.format == "json"
    assert args.out is None
    assert (args.include_practice, args.include_simulated, args.person) == (False, False, None)
    args = parse(["--data-dir", str(tmp_path), "--format", "html", "--out", "r.html",
                  "--include-practice", "--include-simulated", "--person", "u-7"])  # fmt: skip
    assert args.data_dir == tmp_path
    assert (args.format, str(args.out), args.person) == ("html", "r.html", "u-7")
    assert cli.included_kinds(args) == ["practice", "simulated"]


def test_rejects_unknown_format(capsys):
    with pytest.raises(SystemExit):
        parse(["--format", "xml"])
    assert "invalid choice" in capsys.readouterr().err


def test_json_to_stdout_is_the_computed_result_over_real_sessions():
    out = io.StringIO()
    assert cli.run(parse([]), records(), stdout=out, stderr=io.StringIO()) == cli.EXIT_OK
    result = json.loads(out.getvalue())
    assert result == compute(records())
    assert result["counts"]["included"] == 8
    assert result["counts"]["excluded"]["simulated"] == 1
    assert result["counts"]["excluded"]["practice"] == 1


def test_flags_include_the_other_kinds():
    out = io.StringIO()
    args = parse(["--include-simulated"])
    assert cli.run(args, records(), stdout=out, stderr=io.StringIO()) == 0
    result = json.loads(out.getvalue())
    assert result["options"] == {"include": ["real", "simulated"]}
    assert result["counts"]["included_by_kind"] == {"real": 8, "practice": 0, "simulated": 1}
    assert result["counts"]["excluded"]["practice"] == 1


def test_html_to_file(tmp_path):
    target = tmp_path / "report.html"
    err = io.StringIO()
    args = parse(["--format", "html", "--out", str(target), "--include-practice"])
    assert cli.run(args, records(), stdout=io.StringIO(), stderr=err) == 0
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "data:image/png;base64," in page
    assert "Not only real interviews" in page
    assert f"wrote {target}" in err.getvalue()
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary left over


def test_json_to_file_replaces_an_old_report(tmp_path):
    target = tmp_path / "study.json"
    target.write_text("old", encoding="utf-8")
    args = parse(["--out", str(target)])
    assert cli.run(args, records(), stdout=io.StringIO(), stderr=io.StringIO()) == 0
    assert json.loads(target.read_text(encoding="utf-8"))["counts"]["total"] == 10


def test_unwritable_destination_is_an_error_not_a_traceback(tmp_path):
    err = io.StringIO()
    args = parse(["--out", str(tmp_path / "missing-dir" / "study.json")])
    assert cli.run(args, records(), stdout=io.StringIO(), stderr=err) == cli.EXIT_FAILED
    assert "cannot write" in err.getvalue()


def test_person_history_as_json_and_html(tmp_path):
    mine = [record(i, 3, 2 + i % 3, interviewee="alice") for i in range(4)]
    out = io.StringIO()
    assert cli.run_person(parse(["--person", "u-7"]), mine, stdout=out, stderr=io.StringIO()) == 0
    assert json.loads(out.getvalue()) == history(mine)
    target = tmp_path / "person.html"
    args = parse(["--person", "u-<7>", "--format", "html", "--out", str(target)])
    assert cli.run_person(args, mine, stdout=io.StringIO(), stderr=io.StringIO()) == 0
    page = target.read_text(encoding="utf-8")
    assert "Calibration history of u-&lt;7&gt;" in page
    assert history(mine)["tendency"] in page
    assert 'alt="calibration history"' in page


# -- the command as a whole: the store of --data-dir


def test_missing_data_dir_is_refused_and_not_created(tmp_path, capsys):
    missing = tmp_path / "mistyped" / "path"
    assert collabd_cli.main(["analytics", "--data-dir", str(missing)]) == cli.EXIT_NO_STORE
    captured = capsys.readouterr()
    assert f"data directory {missing} does not exist" in captured.err
    assert captured.out == ""
    assert not (tmp_path / "mistyped").exists()


def test_data_dir_without_a_store_is_refused_and_left_alone(tmp_path, capsys):
    assert collabd_cli.main(["analytics", "--data-dir", str(tmp_path)]) == cli.EXIT_NO_STORE
    assert "collabd.sqlite3 is missing" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def fill_store(data_dir, secret):
    """Three real sessions of one candidate (u-7), one of someone else, a practice session, and
    a row whose interviewer entry lost its form."""
    store = SqliteStore(data_dir / "collabd.sqlite3")
    key = person_key(secret, "u-7")
    try:
        for i, (actual, guess) in enumerate([(3, 2), (2, 4), (4, 3)]):
            rec = stored_record(f"s-{i}", actual, guess, t=1000 * i)
            store.save_session(f"s-{i}", rec, i, keys=(None, key))
        store.save_session(
            "s-other", stored_record("s-other", 1, 4), 5, keys=(key, person_key(secret, "u-8"))
        )  # u-7 interviewed here
        store.save_session("s-practice", stored_record("s-practice", 1, 1), 6, kind="practice")
        damaged = stored_record("s-damaged", 3, 3)
        damaged["feedback"]["interviewer"] = {"submitted_at": 1}
        store.save_session("s-damaged", damaged, 7)
    finally:
        store.close()


def test_study_over_a_store(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("COLLABD_SECRET", raising=False)
    fill_store(tmp_path, b"k" * 32)
    assert collabd_cli.main(["analytics", "--data-dir", str(tmp_path)]) == 0
    counts = json.loads(capsys.readouterr().out)["counts"]
    assert counts["total"] == 6
    assert counts["included"] == 4
    assert counts["excluded"]["practice"] == 1
    assert counts["excluded"]["interviewer_form_invalid"] == 1  # no KeyError: 'form'


def test_person_over_a_store(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("COLLABD_SECRET", raising=False)
    secret = b"s" * 32
    (tmp_path / "secret").write_bytes(secret)
    fill_store(tmp_path, secret)
    argv = ["analytics", "--data-dir", str(tmp_path), "--person", "u-7"]
    assert collabd_cli.main(argv) == 0
    h = json.loads(capsys.readouterr().out)
    assert [(s["session_id"], s["guess"], s["actual"]) for s in h["sessions"]] == [
        ("s-0", 2, 3),
        ("s-1", 4, 2),
        ("s-2", 3, 4),
    ]
    assert h["mean_gap"] == pytest.approx((-1 + 2 - 1) / 3)
    assert collabd_cli.main([*argv[:-1], "u-unknown"]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 0
