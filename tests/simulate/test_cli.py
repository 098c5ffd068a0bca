"""`collabd simulate` options and the errors that stop a run before it starts (exit code 2)."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from collabd.simulate import cli
from collabd.simulate.bots import BotSettings
from collabd.simulate.runner import SetupError, SimulationConfig, simulate
from support.net import free_port
from support.server import Running
from support.session import api


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="collabd")
    sub = parser.add_subparsers(dest="command", required=True)
    cli.add_parser(sub)
    return parser.parse_args(["simulate", *argv])


def run(args: argparse.Namespace) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(args, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_defaults_and_options() -> None:
    args = parse()
    assert (args.sessions, args.concurrency, args.seed, args.unmask) == (10, 4, 0, "random")
    args = parse(
        "--server",
        "http://127.0.0.1:9",
        "--api-key",
        "k",
        "--sessions",
        "6",
        "--concurrency",
        "3",
        "--seed",
        "42",
        "--type-rate",
        "0",
        "--unmask",
        "yes",
        "--unmask-policy",
        "always",
    )
    config = cli.config_from_args(args)
    assert config.sessions == 6 and config.concurrency == 3 and config.seed == 42
    assert config.unmask == "yes" and config.policy == "always"
    assert config.bots.server == "http://127.0.0.1:9" and config.bots.api_key == "k"
    assert config.bots.type_rate == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["--concurrency", "0"],
        ["--sessions", "-1"],
        ["--type-rate", "-3"],
        ["--unmask", "maybe"],
        ["--step-timeout", "0"],
    ],
)
def test_bad_option_values_are_refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        parse(*argv)
    assert exc.value.code == 2
    assert "argument" in capsys.readouterr().err


def test_api_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLLABD_API_KEY", "from-env")
    assert cli.config_from_args(parse()).bots.api_key == "from-env"
    assert cli.config_from_args(parse("--api-key", "given")).bots.api_key == "given"


def test_no_api_key_is_a_setup_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLLABD_API_KEY", raising=False)
    code, out, err = run(parse())
    assert code == cli.EXIT_SETUP
    assert "API key" in err and out == ""


def test_bad_distribution_file_is_a_setup_error(tmp_path: Path) -> None:
    path = tmp_path / "dist.json"
    path.write_text('{"hire_prob_hirable": 2}')
    code, _, err = run(parse("--api-key", "k", "--distribution", str(path)))
    assert code == cli.EXIT_SETUP
    assert "hire_prob_hirable" in err


def test_distribution_file_is_used(tmp_path: Path) -> None:
    path = tmp_path / "dist.json"
    path.write_text('{"self_weight": 0.1}')
    config = cli.config_from_args(parse("--api-key", "k", "--distribution", str(path)))
    assert config.distribution.self_weight == 0.1


def test_unreachable_server_is_a_setup_error() -> None:
    port = free_port()  # nothing listens there
    code, out, err = run(
        parse("--api-key", "k", "--server", f"http://127.0.0.1:{port}", "--step-timeout", "5")
    )
    assert code == cli.EXIT_SETUP
    assert "cannot reach" in err and out == ""


async def test_refused_api_key_is_a_setup_error(server: Running) -> None:
    config = SimulationConfig(bots=BotSettings(server=server.http, api_key="wrong"), sessions=1)
    with pytest.raises(SetupError, match="API key"):
        await simulate(config)
    # nothing was created
    status, body = await api(server, "GET", "/api/sessions")
    assert status == 200 and body["sessions"] == []
