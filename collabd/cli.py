"""Command line: `collabd serve`, `collabd token`."""

from __future__ import annotations

import argparse
import asyncio
import logging
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
    settings = Settings(data_dir=_data_dir(args), host=args.host, port=args.port,
                        allowed_origins=tuple(args.allow_origin or ()))
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
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
