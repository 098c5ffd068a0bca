"""collabd: a real-time collaboration server for anonymous technical interviews.

Commands: serve (run the server), token (a development join token), api-key (the session API
key), backup and restore (a consistent copy of a running server's store), migrate-store (move
the embedded store into PostgreSQL), analytics (the perceived-vs-actual study), simulate
(simulated interviews through a server). `collabd COMMAND
--help` tells more; docs/operations.md is the operator's guide.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import ipaddress
import logging
import math
import os
import re
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import fields, replace
from pathlib import Path

from . import logs
from .config import Limits, Settings, default_data_dir, load_secret
from .core.tokens import ROLES, Claims, mint
from .ports import StoreError

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
EXIT_USAGE = 2  # an ordinary mistake in the command: one line on stderr says what to do


class UsageError(Exception):
    """A mistake in the command line or its surroundings, told in one line (exit status 2)."""


def _data_dir(args: argparse.Namespace) -> Path:
    return Path(args.data_dir) if args.data_dir else default_data_dir()


def listen_problem(exc: OSError, host: str, port: int) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (f"port {port} on {host} is in use (another collabd?): stop that process or "
                "choose another --port")
    if exc.errno == errno.EACCES:
        return f"not allowed to listen on port {port}: choose a port above 1023"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine: check --host"
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}"


def trusted_proxies(entries: Sequence[str]) -> tuple[str, ...]:
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise UsageError(f"--trusted-proxy {entry!r} is not an address or network") from None
    return tuple(entries)


ORIGIN = re.compile(r"https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?")


def frame_ancestors(entries: Sequence[str]) -> tuple[str, ...]:
    """Exact origins only: the room page posts its events to each by name (postMessage needs
    one exact target origin), so no paths, wildcards or keywords."""
    for entry in entries:
        if not ORIGIN.fullmatch(entry):
            raise UsageError(f"--frame-ancestor {entry!r} is not an origin "
                             "(scheme://host[:port], e.g. https://hr.example.com)")
    return tuple(entries)


def cmd_serve(args: argparse.Namespace) -> int:
    from .adapters import http_server
    from .app import build_app

    level = str(args.log_level).upper()
    if level not in LOG_LEVELS:
        raise UsageError(f"--log-level {args.log_level!r} is not one of {', '.join(LOG_LEVELS)}")
    settings_limits = parse_limits(args.limit or ())
    logs.setup(level)
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:
        pass
    settings = Settings(
        data_dir=_data_dir(args), host=args.host, port=args.port,
        allowed_origins=tuple(args.allow_origin or ()),
        frame_ancestors=frame_ancestors(args.frame_ancestor or ()),
        stun_urls=tuple(args.stun or ()), turn_urls=tuple(args.turn or ()),
        turn_secret=args.turn_secret or os.environ.get("COLLABD_TURN_SECRET", ""),
        relay_only=args.relay_only, practice=not args.no_practice,
        public_url=args.public_url or "",
        trusted_proxies=trusted_proxies(args.trusted_proxy or ()),
        forwarded_header=args.forwarded_header,
        database=args.database or os.environ.get("COLLABD_DATABASE", ""),
        redis=args.redis or os.environ.get("COLLABD_REDIS", ""),
        node_url=args.node_url or os.environ.get("COLLABD_NODE_URL", ""),
        lease_seconds=args.lease_seconds,
    )
    settings = settings.with_limits(**settings_limits)
    problem = cluster_problem(settings)
    if problem:
        raise UsageError(problem)
    if settings.redis and not settings.node_url:
        settings = replace(settings, node_url=f"http://{settings.host}:{settings.port}")
    try:
        app = build_app(settings)
    except StoreError as exc:  # a store that is not one, newer, or cannot be reached
        raise UsageError(str(exc)) from None
    from . import native

    compiled = native.compiled()
    logging.getLogger("collabd").info(
        "serving", extra={
            "host": args.host, "port": args.port, "data_dir": str(settings.data_dir),
            # whether the per-update hot path runs compiled (scripts/build_native.py)
            "hot_path": (f"compiled ({len(compiled)} of {len(native.MODULES)} modules)"
                         if compiled else "plain Python"),
        })
    # run_app with header-time and per-address handshake guards; no access log (tokens)
    try:
        http_server.serve(app, args.host, args.port, settings.limits, shutdown_timeout=10)
    except OSError as exc:
        raise UsageError(listen_problem(exc, args.host, args.port)) from None
    return 0


def cluster_problem(settings: Settings) -> str | None:
    """What is wrong with the cluster settings, if anything (docs/cluster.md)."""
    if not settings.redis:
        return "--node-url needs --redis" if settings.node_url else None
    if not settings.redis.startswith(("redis://", "rediss://", "unix://")):
        return "--redis must be a URL redis://HOST:PORT/DB"
    if not settings.database:
        return "a cluster needs the shared store: --database postgresql://..."
    if not settings.node_url and settings.host in ("0.0.0.0", "::", ""):
        return "--node-url is needed when listening on every address (how do others reach us?)"
    if settings.lease_seconds < 0.5:
        return "--lease-seconds must be at least 0.5"
    return None


def parse_limits(items: Sequence[str]) -> dict[str, float]:
    """`name=value` pairs naming fields of config.Limits."""
    known = {f.name: f.type for f in fields(Limits)}
    out: dict[str, float] = {}
    for item in items:
        name, _, value = item.partition("=")
        if name not in known:
            raise UsageError(f"--limit {item!r}: unknown limit {name!r} (the names are in "
                             "docs/operations.md and `collabd serve --help`)")
        whole = known[name] in (int, "int")
        try:
            number = int(value) if whole else float(value)
        except ValueError:
            kind = "a whole number" if whole else "a number"
            raise UsageError(f"--limit {item!r}: the value must be {kind}, "
                             f"e.g. {name}={getattr(Limits(), name)}") from None
        if not math.isfinite(number) or number < 0:
            raise UsageError(f"--limit {item!r}: the value must be a finite number >= 0")
        out[name] = number
    return out


def cmd_api_key(args: argparse.Namespace) -> int:
    from .api.auth import load_api_key

    print(load_api_key(_data_dir(args)))
    return 0


def cmd_analytics(args: argparse.Namespace) -> int:
    from .analytics import cli as analytics_cli

    return analytics_cli.main(args)  # reads the store; refuses a data dir that does not exist


def cmd_backup(args: argparse.Namespace) -> int:
    from .backup import BackupError, backup

    folder = Path(args.out).absolute().parent
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a directory: create it first, or write the backup "
                         "somewhere else")
    try:
        counts = backup(_data_dir(args), Path(args.out))
    except BackupError as exc:
        print(f"collabd backup: {exc}", file=sys.stderr)
        return 1
    print(f"backup written to {args.out}: " + ", ".join(f"{n} {t}" for t, n in counts.items()))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from .backup import BackupError, StoreInUse, restore

    try:
        counts = restore(Path(args.backup), _data_dir(args), force=args.force)
    except BackupError as exc:
        print(f"collabd restore: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, StoreInUse) else 1
    print(f"restored {args.backup} into {_data_dir(args)}: "
          + ", ".join(f"{n} {t}" for t, n in counts.items()))
    return 0


def cmd_migrate_store(args: argparse.Namespace) -> int:
    try:
        from .adapters import postgres_store  # noqa: F401  (needs the postgres extra's driver)
    except ImportError:
        raise UsageError("PostgreSQL support is not installed: pip install "
                         "'collabd[postgres]', then run this again") from None
    from .migrate import migrate_store

    try:
        counts = migrate_store(Path(args.source), args.to)
    except StoreError as exc:
        print(f"collabd migrate-store: {exc}", file=sys.stderr)
        return 1
    print("copied and checked: " + ", ".join(f"{n} {t}" for t, n in counts.items()))
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    secret = load_secret(_data_dir(args))
    pid = args.pid or uuid.uuid4().hex[:12]
    print(mint(secret, Claims(args.room, pid, args.role, int(time.time()) + args.ttl)))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="collabd", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    data_help = f"the data directory: store, token secret, API key (default: {default_data_dir()})"

    s = sub.add_parser("serve", help="run the server (embedded SQLite or PostgreSQL storage)",
                       description="Run the server: rooms at /rooms/NAME, the session API at "
                                   "/api, the web client at /, metrics at /metrics (API key).")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    s.add_argument("--port", type=int, default=8080, help="port to listen on (8080)")
    s.add_argument("--data-dir", help=data_help)
    s.add_argument("--database", metavar="URL",
                   help="store in PostgreSQL, postgresql://USER:PASSWORD@HOST:PORT/NAME (or "
                        "COLLABD_DATABASE); default: embedded SQLite in the data directory")
    s.add_argument("--redis", metavar="URL",
                   help="run as a node of a cluster coordinated through this Redis, "
                        "redis://HOST:PORT/DB (or COLLABD_REDIS); needs --database "
                        "(docs/cluster.md)")
    s.add_argument("--node-url", metavar="URL",
                   help="cluster mode: the address other nodes reach this one at, "
                        "http://HOST:PORT (or COLLABD_NODE_URL; default http://HOST:PORT of "
                        "--host and --port)")
    s.add_argument("--lease-seconds", type=float, default=5.0, metavar="S",
                   help="cluster mode: a room's ownership lease; a dead node's rooms move "
                        "to another node within it (5)")
    s.add_argument("--allow-origin", action="append", metavar="URL",
                   help="a browser Origin allowed to connect besides the same origin "
                        "(repeatable)")
    s.add_argument("--frame-ancestor", action="append", metavar="ORIGIN",
                   help="an origin whose pages may frame the web client and receive the "
                        "room's events (repeatable; default: framing refused; "
                        "docs/embedding.md)")
    s.add_argument("--stun", action="append", metavar="URL", help="STUN server (repeatable)")
    s.add_argument("--turn", action="append", metavar="URL",
                   help="TURN server URL (repeatable), e.g. turn:127.0.0.1:3478?transport=udp")
    s.add_argument("--turn-secret", metavar="S",
                   help="TURN REST shared secret (or COLLABD_TURN_SECRET)")
    s.add_argument("--relay-only", action="store_true",
                   help="every call relay-only: host/srflx candidates never reach the peer")
    s.add_argument("--public-url", metavar="URL",
                   help="base URL of join links (default: the address the request reached)")
    s.add_argument("--trusted-proxy", action="append", metavar="ADDR",
                   help="a reverse proxy (address or network, repeatable): connections from it "
                        "are counted against the client its forwarded header names")
    s.add_argument("--forwarded-header", default="X-Forwarded-For",
                   choices=("X-Forwarded-For", "Forwarded"),
                   help="the header the trusted proxies write (X-Forwarded-For)")
    s.add_argument("--no-practice", action="store_true",
                   help="disable POST /api/practice (the start page's practice interviews)")
    s.add_argument("--limit", action="append", metavar="NAME=VALUE",
                   help="override a limit (see protocol/SPEC.md and docs/operations.md), e.g. "
                        "unload_grace_seconds=5 (repeatable)")
    s.add_argument("--log-level", default="INFO", metavar="LEVEL",
                   help="DEBUG, INFO, WARNING or ERROR, any case (INFO); logs are JSON "
                        "lines on stderr")
    s.set_defaults(func=cmd_serve)

    t = sub.add_parser("token", help="print a join token for development",
                       description="Print a signed join token for ROOM (for stock Yjs clients "
                                   "and development; interview sessions get theirs from the "
                                   "API).")
    t.add_argument("room", metavar="ROOM", help="room name")
    t.add_argument("--role", choices=ROLES, default="guest", help="role in the room (guest)")
    t.add_argument("--pid", help="participant id (default: random)")
    t.add_argument("--ttl", type=int, default=24 * 3600, metavar="S",
                   help="seconds until it expires (86400)")
    t.add_argument("--data-dir", help=data_help)
    t.set_defaults(func=cmd_token)

    k = sub.add_parser("api-key", help="print the session API key (created on first use)",
                       description="Print the key of the session API and /metrics "
                                   "(COLLABD_API_KEY if set, else the data directory's).")
    k.add_argument("--data-dir", help=data_help)
    k.set_defaults(func=cmd_api_key)

    b = sub.add_parser("backup", help="copy a (running) server's store into one file",
                       description="Write a consistent copy of the store, the token secret "
                                   "and the API key to OUT, while the server runs (SQLite "
                                   "online backup: one snapshot of what was committed). OUT "
                                   "holds identities and secrets: it is created with mode "
                                   "0600.")
    b.add_argument("out", metavar="OUT", help="the backup file to create (must not exist)")
    b.add_argument("--data-dir", help=data_help)
    b.set_defaults(func=cmd_backup)

    r = sub.add_parser("restore", help="put a backup in place (server stopped)",
                       description="Restore BACKUP as the store of the data directory. Stop "
                                   "the server first: while one holds the directory the "
                                   "restore refuses (exit status 2). Existing files are "
                                   "renamed *.before-restore-TIME, never deleted.")
    r.add_argument("backup", metavar="BACKUP", help="a file written by `collabd backup`")
    r.add_argument("--data-dir", help=data_help)
    r.add_argument("--force", action="store_true",
                   help="replace an existing store (it is kept beside, renamed)")
    r.set_defaults(func=cmd_restore)

    m = sub.add_parser("migrate-store", help="copy the embedded store into PostgreSQL",
                       description="Copy every row of the embedded store of DIR (documents, "
                                   "sessions, chat, events, webhooks) into an empty PostgreSQL "
                                   "store and check the copy row by row. Stop the server "
                                   "first; then serve with --database URL and the same "
                                   "--data-dir (it keeps the token secret and API key).")
    m.add_argument("--from", dest="source", required=True, metavar="DIR",
                   help="the data directory of the embedded install")
    m.add_argument("--to", required=True, metavar="URL",
                   help="the PostgreSQL store, postgresql://USER:PASSWORD@HOST:PORT/NAME")
    m.set_defaults(func=cmd_migrate_store)

    from .analytics import cli as analytics_cli

    a = analytics_cli.add_parser(sub)
    a.set_defaults(func=cmd_analytics)

    from .simulate import cli as simulate_cli

    sim = simulate_cli.add_parser(sub)
    sim.set_defaults(func=simulate_cli.run)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except UsageError as exc:
        print(f"collabd {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
