"""The `collab-term` command line.

This module imports nothing beyond the standard library at its top, so `collab-term --help` and
every run without the `terminal` extra print how to install it instead of a traceback. The UI
(collab_term.app, Textual) and the SDK (collab_client: pycrdt, websockets) are imported only when
a command needs them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
import urllib.request
from typing import Any

INSTALL_HINT = "pip install 'collabd[terminal]'"
EXIT_REFUSED = 2  # the room refused us, or the link is wrong
EXIT_MISSING_EXTRA = 3  # the same code `collabd analytics` uses for its missing extra

USAGE_NOTES = f"""\
keys in the UI: ctrl+t chat, f8 end of the code, ctrl+home/ctrl+end start/end of the code,
f2 editor/review, f4 end the interview (interviewer only), f9 copy the partner link (--practice),
f6 set the question (interviewer only), f7 your private notes pad, f3 the whole output of the
latest run, ctrl+z/ctrl+y undo/redo your own typing, ctrl+q quit.

Runs: collab-term shows every run a participant reports (their code's output, errors, exit
status), with who ran it. It NEVER executes the other person's code (or any code) on your
machine: run your own code yourself, or use the browser's Run button (which runs it in the
browser's sandbox, on the machine of the person who presses it).

The UI needs the 'terminal' extra (Textual, websockets): {INSTALL_HINT}
"""

STOP_SECONDS = 10  # the most Ctrl-C waits for the goodbye to the server


class MissingExtra(Exception):
    def __init__(self, module: str) -> None:
        super().__init__(
            f"collab-term needs the optional 'terminal' extra ({module} is not installed): "
            f"{INSTALL_HINT}"
        )


def _import(what: str) -> Any:
    """Import collab_term.app (the UI) or collab_client (the SDK, for --headless)."""
    import importlib

    try:
        return importlib.import_module(what)
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing in ("textual", "rich", "websockets", "pycrdt", "msgpack"):
            raise MissingExtra(missing) from None
        raise


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="collab-term",
        description="Pair-program in a collabd room from the terminal.",
        epilog=USAGE_NOTES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "link",
        help="join link (http://host:port/join#token=...) or token; "
        "with --practice, the server URL",
    )
    parser.add_argument("--server", help="server URL when LINK is a bare token")
    parser.add_argument("--file", help="mirror the shared code into this file")
    parser.add_argument(
        "--headless", action="store_true", help="with --file: no UI, only the file mirror"
    )
    parser.add_argument(
        "--practice",
        action="store_true",
        help="create a practice interview on the server LINK and join it as "
        "the interviewer (prints the interviewee's link, shows it in the UI)",
    )
    parser.add_argument("--name", default="collab-term", help="client name sent in hello")
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser


def practice_links(server: str) -> dict[str, str]:
    req = urllib.request.Request(server.rstrip("/") + "/api/practice", method="POST", data=b"")
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - the user's own server
        return dict(json.loads(resp.read())["links"])


def invite_text(link: str) -> str:
    return f"Practice interview. Send the interviewee this link:\n\n{link}\n"


async def run_headless(link: str, server: str | None, file: str, client_name: str) -> int:
    client_mod = _import("collab_client")
    mirror_mod = _import("collab_term.filemirror")
    client = await client_mod.Client.connect(link, server=server, client_name=client_name)
    mirror = mirror_mod.FileMirror(client, file)
    task = mirror.start()
    # Ctrl-C (or SIGTERM) sets `stop` rather than cancelling this task: the clean-up below then
    # runs as plain code, bounded, and no wait inside the SDK has to pass a cancel on
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    # whatever the parent left (an ignored or blocked SIGINT is inherited), Ctrl-C works here
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    stopping = loop.create_task(stop.wait())
    print(f"mirroring the room's code into {file}; Ctrl-C to stop", flush=True)
    try:
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(STOP_SECONDS):
                await mirror.stop()
                await client.close()
    failed = task.exception() if task.done() and not task.cancelled() else None
    if failed is not None:
        raise failed  # e.g. the room refused us while mirroring
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    try:
        return _run(parser, args)
    except MissingExtra as exc:
        print(f"collab-term: {exc}", file=sys.stderr)
        return EXIT_MISSING_EXTRA


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.headless and not args.file:
        parser.error("--headless needs --file")
    # check the extra before anything talks to a server
    app_mod = None if args.headless else _import("collab_term.app")
    client_mod = _import("collab_client")
    link, invite = args.link, ""
    if args.practice:
        links = practice_links(args.link)
        link, invite = links["interviewer"], links["interviewee"]
        # printed in full before the UI takes the screen, and again after it leaves
        print(invite_text(invite), flush=True)
    if args.headless:
        try:
            return asyncio.run(run_headless(link, args.server, args.file, args.name))
        except KeyboardInterrupt:
            return 0
        except client_mod.SdkError as exc:
            print(f"collab-term: {exc}", file=sys.stderr)
            return EXIT_REFUSED
    assert app_mod is not None
    app = app_mod.CollabTerm(
        link, server=args.server, file=args.file, client_name=args.name, invite=invite
    )
    app.run()
    if invite:
        print(invite_text(invite), flush=True)
    if app.error:
        print(f"collab-term: {app.error}", file=sys.stderr)
        return EXIT_REFUSED
    return 0


if __name__ == "__main__":
    sys.exit(main())
