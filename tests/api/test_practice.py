"""POST /api/practice is limited per address, practice lobbies expire, and idle sessions are not
kept in memory: at start only sessions with a timer are loaded (issue 10 item 7)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from support.net import wait_until
from support.server import in_process
from support.session import Participant, api, create, phase_is


def token_of(link: str) -> str:
    return parse_qs(urlparse(link).fragment)["token"][0]


async def practice(server) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    return await api(server, "POST", "/api/practice", key="")


async def test_practice_posts_are_limited_per_address(tmp_path: Path) -> None:
    async with in_process(tmp_path / "d", practice_per_minute=5) as server:
        answers = [await practice(server) for _ in range(8)]
        assert [status for status, _ in answers] == [201] * 5 + [429] * 3
        assert answers[-1][1]["error"]["code"] == "rate_limited"
        # the API with its key is not limited by it
        status, _ = await api(server, "POST", "/api/sessions", {
            "interviewer": {"name": "A", "email": "a@x"},
            "interviewee": {"name": "B", "email": "b@x"}})
        assert status == 201


async def test_many_practice_sessions_stay_on_disk_not_in_memory(tmp_path: Path) -> None:
    data = tmp_path / "d"
    many = {"practice_per_minute": 10_000, "handshakes_per_address": 1000}  # one test client
    async with in_process(data, **many) as server:
        made = await asyncio.gather(*(practice(server) for _ in range(300)))
        assert all(status == 201 for status, _ in made)
        assert len(server.hub.extensions.live) == 0  # stored, nothing loaded
        live = await create(server, interview_seconds=3600)
        a = await Participant.join(server, live["session_id"], live["interviewer"]["token"])
        b = await Participant.join(server, live["session_id"], live["interviewee"]["token"])
        await a.until(phase_is("live"))
        await a.close()
        await b.close()

    async with in_process(data, **many) as server:
        # only the live interview has a timer (its end; the reconnect grace): only it is loaded
        assert list(server.hub.extensions.live) == [live["session_id"]]
        # a practice lobby is loaded when someone comes, and works
        links = made[123][1]["links"]
        sid = made[123][1]["session_id"]
        a = await Participant.join(server, sid, token_of(links["interviewer"]))
        b = await Participant.join(server, sid, token_of(links["interviewee"]))
        await a.until(phase_is("live"))
        await b.until(phase_is("live"))
        assert set(server.hub.extensions.live) == {live["session_id"], sid}
        await a.close()
        await b.close()


async def test_unstarted_practice_lobbies_expire(tmp_path: Path) -> None:
    async with in_process(tmp_path / "d", practice_lobby_seconds=0.3) as server:
        embedder = await create(server)  # older than the others; the embedder's to end
        _, idle = await practice(server)
        _, used = await practice(server)
        a = await Participant.join(server, used["session_id"],
                                   token_of(used["links"]["interviewer"]))
        b = await Participant.join(server, used["session_id"],
                                   token_of(used["links"]["interviewee"]))
        await a.until(phase_is("live"))

        async def sealed() -> bool:
            _, body = await api(server, "GET", f"/api/sessions/{idle['session_id']}")
            return body["phase"] == "sealed"

        await wait_until(sealed, 10, "the idle practice lobby expired")
        _, body = await api(server, "GET", f"/api/sessions/{idle['session_id']}")
        assert body["close_reason"] == "cancelled"
        for sid, phase in ((used["session_id"], "live"), (embedder["session_id"], "lobby")):
            _, body = await api(server, "GET", f"/api/sessions/{sid}")
            assert body["phase"] == phase
        await a.close()
        await b.close()


async def test_join_links_ignore_the_host_header(tmp_path: Path) -> None:
    """A forged `Host` never ends up in front of a join token: links use --public-url, else
    the server's own address the connection reached."""
    import aiohttp

    async def post(server, headers):  # type: ignore[no-untyped-def]
        async with aiohttp.ClientSession() as http, http.post(
                server.http + "/api/practice", headers=headers) as r:
            assert r.status == 201
            return (await r.json())["links"]

    async with in_process(tmp_path / "d") as server:
        links = await post(server, {"Host": "evil.example"})
        for link in links.values():
            assert urlparse(link).netloc == f"127.0.0.1:{server.port}", link
            assert "evil" not in link
    async with in_process(tmp_path / "e", {"public_url": "https://interviews.example/"}) as server:
        links = await post(server, {"Host": "evil.example"})
        for link in links.values():
            assert link.startswith("https://interviews.example/join#token="), link
