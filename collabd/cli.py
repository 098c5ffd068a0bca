"""Command line: `collabd serve`, `collabd token`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path

from . import logs
from .config import Limits, Settings, default_data_dir, load_secret
from .core.tokens import ROLES, Claims, mint


def _data_dir(args: argparse.Namespace) -> Path:
    return Path(args.data_dir) if args.data_dir else default_data_dir()


def cmd_serve(args: argparse.Namespace) -> int:
    from aiohttp import web

    from .app import build_app

    logs.setup(args.log_level)
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:
        pass
    settings = Settings(
        data_dir=_data_dir(args), host=args.host, port=args.port,
        allowed_origins=tuple(args.allow_origin or ()),
        stun_urls=tuple(args.stun or ()), turn_urls=tuple(args.turn or ()),
        turn_secret=args.turn_secret or os.environ.get("COLLABD_TURN_SECRET", ""),
        relay_only=args.relay_only, practice=not args.no_practice,
        public_url=args.public_url or "",
    )
    settings = settings.with_limits(**parse_limits(args.limit or ()))
    app = build_app(settings)
    logging.getLogger("collabd").info(
        "serving", extra={"host": args.host, "port": args.port, "data_dir": str(settings.data_dir)}
    )
    # access_log=None: request lines carry join tokens in the query string.
    web.run_app(app, host=args.host, port=args.port, access_log=None, print=None,
                shutdown_timeout=10)
    return 0


def parse_limits(items: Sequence[str]) -> dict[str, float]:
    """`name=value` pairs naming fields of config.Limits."""
    known = {f.name: f.type for f in fields(Limits)}
    out: dict[str, float] = {}
    for item in items:
        name, _, value = item.partition("=")
        if name not in known:
            raise SystemExit(f"unknown limit {name!r}; known: {', '.join(sorted(known))}")
        out[name] = int(value) if known[name] in (int, "int") else float(value)
    return out


def cmd_api_key(args: argparse.Namespace) -> int:
    from .api.auth import load_api_key

    print(load_api_key(_data_dir(args)))
    return 0


def cmd_analytics(args: argparse.Namespace) -> int:
    from .adapters.sqlite_store import SqliteStore
    from .analytics import cli as analytics_cli
    from .analytics.records import from_session_record

    store = SqliteStore(_data_dir(args) / "collabd.sqlite3")
    try:
        records = [from_session_record(r, sim) for r, sim, _ in store.all_sessions()]
    finally:
        store.close()
    return analytics_cli.run(args, records)


def cmd_token(args: argparse.Namespace) -> int:
    secret = load_secret(_data_dir(args))
    pid = args.pid or uuid.uuid4().hex[:12]
    print(mint(secret, Claims(args.room, pid, args.role, int(time.time()) + args.ttl)))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="collabd", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="run the server (embedded SQLite storage)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8080)
    s.add_argument("--data-dir", help=f"default: {default_data_dir()}")
    s.add_argument("--allow-origin", action="append",
                   help="browser Origin allowed to connect (repeatable); default: same origin")
    s.add_argument("--stun", action="append", metavar="URL", help="STUN server (repeatable)")
    s.add_argument("--turn", action="append", metavar="URL",
                   help="TURN server URL (repeatable), e.g. turn:127.0.0.1:3478?transport=udp")
    s.add_argument("--turn-secret", help="TURN REST shared secret (or COLLABD_TURN_SECRET)")
    s.add_argument("--relay-only", action="store_true",
                   help="every call relay-only: host/srflx candidates never reach the peer")
    s.add_argument("--public-url", help="base URL of join links (default: the request's host)")
    s.add_argument("--no-practice", action="store_true",
                   help="disable POST /api/practice (the start page's practice interviews)")
    s.add_argument("--limit", action="append", metavar="NAME=VALUE",
                   help="override a limit (see protocol/SPEC.md), e.g. unload_grace_seconds=5")
    s.add_argument("--log-level", default="INFO")
    s.set_defaults(func=cmd_serve)

    t = sub.add_parser("token", help="print a join token for development")
    t.add_argument("room")
    t.add_argument("--role", choices=ROLES, default="guest")
    t.add_argument("--pid", help="participant id (default: random)")
    t.add_argument("--ttl", type=int, default=24 * 3600, help="seconds until it expires")
    t.add_argument("--data-dir")
    t.set_defaults(func=cmd_token)

    k = sub.add_parser("api-key", help="print the session API key (created on first use)")
    k.add_argument("--data-dir")
    k.set_defaults(func=cmd_api_key)

    from .analytics import cli as analytics_cli

    a = analytics_cli.add_parser(sub)
    a.set_defaults(func=cmd_analytics)

    from .simulate import cli as simulate_cli

    sim = simulate_cli.add_parser(sub)
    sim.set_defaults(func=simulate_cli.run)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
