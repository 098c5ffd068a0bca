"""`--frame-ancestor`: which origins may frame the web pages (refused by default), and the
room page is told them so it posts its events there only (docs/embedding.md)."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from collabd.app import embed_page
from collabd.cli import UsageError, frame_ancestors, parser
from support.server import in_process

HOST = "https://hr.example.com"
INDEX = b"<!doctype html>\n<html>\n<head>\n  <title>collabd</title>\n</head>\n</html>\n"


async def page_headers(tmp_path: Path, ancestors: tuple[str, ...]) -> list[dict[str, str]]:
    async with in_process(tmp_path, {"frame_ancestors": ancestors}) as server:
        out = []
        async with aiohttp.ClientSession() as http:
            for path in ("/", "/join"):
                async with http.get(f"{server.http}{path}") as r:
                    out.append(dict(r.headers))
        return out


async def test_framing_is_refused_by_default(tmp_path: Path) -> None:
    for headers in await page_headers(tmp_path, ()):
        assert headers["Content-Security-Policy"] == "frame-ancestors 'none'"
        assert headers["X-Frame-Options"] == "DENY"


async def test_listed_origins_may_frame_the_pages(tmp_path: Path) -> None:
    other = "http://127.0.0.1:8123"
    for headers in await page_headers(tmp_path, (HOST, other)):
        assert headers["Content-Security-Policy"] == f"frame-ancestors {HOST} {other}"
        # a DENY would contradict the list in browsers that read both
        assert "X-Frame-Options" not in headers


def test_the_page_names_the_allowed_parents_only_when_there_are_some() -> None:
    assert embed_page(INDEX, ()) == INDEX
    page = embed_page(INDEX, (HOST, "http://127.0.0.1:8123")).decode()
    assert '<meta name="collabd-frame-ancestors" ' \
           'content="https://hr.example.com http://127.0.0.1:8123">' in page
    assert page.index("collabd-frame-ancestors") < page.index("</head>")


def test_frame_ancestors_are_exact_origins() -> None:
    args = parser().parse_args(["serve", "--frame-ancestor", HOST,
                                "--frame-ancestor", "http://[::1]:8000"])
    assert frame_ancestors(args.frame_ancestor) == (HOST, "http://[::1]:8000")
    for bad in ("*", "'self'", "https://*.example.com", "https://hr.example.com/jobs",
                "hr.example.com", "javascript:alert(1)", 'https://a.example" onload="x'):
        with pytest.raises(UsageError):
            frame_ancestors([bad])
