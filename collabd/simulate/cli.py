"""The `collabd simulate` sub-command.

Wiring (collabd/cli.py), like the analytics sub-command:

    from .simulate import cli as simulate_cli
    s = simulate_cli.add_parser(sub)
    s.set_defaults(func=simulate_cli.run)

`python -m collabd.simulate ...` runs the same command on its own.

Exit codes: 0 every session completed; 1 at least one failed; 2 the run could not start (bad
option, distribution file, server unreachable, API key refused, client SDK missing).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from .distribution import DistributionError, FeedbackDistribution
from .outcome import BotSettings, SessionOutcome
from .plan import POLICIES, UNMASK_MODES
from .runner import SetupError, SimulationConfig, SimulationResult, simulate

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_SETUP = 2

DESCRIPTION = (
    "Run complete interviews through a running server over the real protocol: two bots per "
    "session join, type code, chat, end, submit feedback drawn from a seeded distribution and "
    "answer the unmask question. Sessions are marked simulated. Doubles as an end-to-end load "
    "generator. Note: the server allows conn_attempts_per_minute (default 60) WebSocket "
    "connections per address and minute, and each session makes two; for bigger runs start "
    "the server with --limit conn_attempts_per_minute=N."
)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be at least 0")
    return value


def _rate(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError("must be a number >= 0")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be a number > 0")
    return value


def configure(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument(
        "--server",
        default="http://127.0.0.1:8080",
        help="the server's base URL (http://127.0.0.1:8080)",
    )
    parser.add_argument(
        "--api-key", default=None, help="session API key (default: env COLLABD_API_KEY)"
    )
    parser.add_argument("--sessions", type=_count, default=10, help="interviews to run (10)")
    parser.add_argument(
        "--concurrency", type=_positive_int, default=4, help="interviews in flight at once (4)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the feedback, chat and code choices (0)"
    )
    parser.add_argument(
        "--type-rate",
        type=_rate,
        default=30.0,
        metavar="CHARS_PER_S",
        help="typing speed of each bot; 0 pastes at once (30)",
    )
    parser.add_argument(
        "--distribution",
        type=Path,
        default=None,
        metavar="FILE.json",
        help="feedback distribution: a JSON object overriding fields of "
        "collabd.simulate.distribution.FeedbackDistribution",
    )
    parser.add_argument(
        "--unmask",
        choices=UNMASK_MODES,
        default="random",
        help="what both bots answer when offered to unmask (random: each says "
        "yes with the distribution's unmask_yes_prob)",
    )
    parser.add_argument(
        "--unmask-policy",
        choices=POLICIES,
        default="mutual_positive",
        help="the sessions' unmask policy (mutual_positive)",
    )
    parser.add_argument(
        "--step-timeout", type=_seconds, default=30.0, help="seconds any one step may take (30)"
    )
    parser.add_argument(
        "--session-timeout",
        type=_seconds,
        default=300.0,
        help="seconds a whole session may take (300)",
    )
    parser.add_argument(
        "--json-out",
        type=Path,
        default=None,
        metavar="PATH",
        help="write the summary and every session (with the forms submitted) as JSON",
    )
    parser.add_argument("--quiet", action="store_true", help="no per-session progress lines")
    return parser


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Add the `simulate` sub-command to `subparsers` and return its parser."""
    parser = subparsers.add_parser(
        "simulate",
        help="run simulated interviews through a server (practice data, load)",
        description=DESCRIPTION,
    )
    return configure(parser)


def config_from_args(args: argparse.Namespace) -> SimulationConfig:
    """Raises SetupError with a message for the user."""
    api_key = args.api_key or os.environ.get("COLLABD_API_KEY", "")
    if not api_key:
        raise SetupError(
            "an API key is needed: --api-key or env COLLABD_API_KEY "
            "(`collabd api-key --data-dir D` prints the server's)"
        )
    try:
        distribution = (
            FeedbackDistribution.load(args.distribution)
            if args.distribution
            else FeedbackDistribution()
        )
    except DistributionError as exc:
        raise SetupError(str(exc)) from None
    bots = BotSettings(
        server=args.server,
        api_key=api_key,
        type_rate=args.type_rate,
        step_timeout=args.step_timeout,
        session_timeout=args.session_timeout,
    )
    return SimulationConfig(
        bots=bots,
        sessions=args.sessions,
        concurrency=args.concurrency,
        seed=args.seed,
        unmask=args.unmask,
        policy=args.unmask_policy,
        distribution=distribution,
        run_tag=secrets.token_hex(4),
    )


def run(
    args: argparse.Namespace, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    out = sys.stdout if stdout is None else stdout
    err = sys.stderr if stderr is None else stderr
    try:
        config = config_from_args(args)
    except SetupError as exc:
        print(f"collabd simulate: {exc}", file=err)
        return EXIT_SETUP

    def progress(o: SessionOutcome) -> None:
        if o.ok and not args.quiet:
            print(f"  session {o.index}: {o.final_phase} ({o.session_id})", file=err)
        elif not o.ok:
            print(f"  session {o.index} FAILED: {o.error}", file=err)

    print(
        f"collabd simulate: {config.sessions} sessions against {config.bots.server} "
        f"(concurrency {config.concurrency}, seed {config.seed}, "
        f"type rate {config.bots.type_rate:g}/s)",
        file=err,
    )
    try:
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            result = runner.run(simulate(config, on_outcome=progress))
    except SetupError as exc:
        print(f"collabd simulate: {exc}", file=err)
        return EXIT_SETUP

    out.write(format_summary(result))
    if args.json_out is not None:
        try:
            args.json_out.write_text(
                json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8"
            )
        except OSError as exc:
            print(
                f"collabd simulate: cannot write {args.json_out}: {exc.strerror or exc}", file=err
            )
            return EXIT_FAILED
    return EXIT_OK if not result.failed else EXIT_FAILED


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop when installed (it roughly halves the bots' per-message cost), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def format_summary(result: SimulationResult) -> str:
    d = result.to_dict()["summary"]
    lines = [
        f"sessions: {d['completed']} completed, {d['failed']} failed, in "
        f"{d['wall_seconds']:.2f} s ({d['sessions_per_second']:.2f} sessions/s)",
        f"unmask: offered in {d['unmask_offered']}, unmasked in {d['unmasked']}",
        f"{'step':<14}{'n':>6}{'p50 ms':>11}{'p99 ms':>11}{'max ms':>11}",
    ]
    for name, s in d["latencies"].items():
        lines.append(
            f"{name:<14}{s['n']:>6}{s['p50_ms']:>11.1f}{s['p99_ms']:>11.1f}{s['max_ms']:>11.1f}"
        )
    failures: dict[str, int] = {}
    for o in result.failed:
        failures[o.error or "unknown"] = failures.get(o.error or "unknown", 0) + 1
    if failures:
        lines.append("failures:")
        for error, n in sorted(failures.items(), key=lambda kv: -kv[1])[:10]:
            lines.append(f"  {n} x {error}")
        if any("429" in e or "too_many_connections" in e for e in failures):
            lines.append(
                "hint: the server limits WebSocket connections per address and "
                "minute; start it with --limit conn_attempts_per_minute=N"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = configure(argparse.ArgumentParser(prog="collabd simulate", description=DESCRIPTION))
    return run(parser.parse_args(argv))
