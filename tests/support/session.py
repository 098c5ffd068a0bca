"""Helpers for interview-session tests: create sessions over the API, join as a participant."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import aiohttp

from collab_protocol import Hello, Message, SyncStep1, SyncStep2, Welcome
from collabd.api.auth import load_api_key

from .openapi_check import check as check_answer
from .server import Running
from .wsclient import RawClient

ALICE = {"name": "Alice Zanzibar-Quill", "email": "alice.zq@example.org",
         "profile": "https://example.org/alice-zq"}
BOB = {"name": "Bob Okonkwo-Lindqvist", "email": "bob.ol@example.net"}

HIRE = {"would_hire": True, "technical": 3, "problem_solving": 4, "communication": 3,
        "notes": "clear thinking"}
WORK = {"would_work_with": True, "question_quality": 4, "helpfulness": 3, "notes": "kind",
        "self_assessment": 2}


async def api(server: Running, method: str, path: str, body: Any = None,
              key: str | None = None) -> tuple[int, Any]:
    key = key if key is not None else load_api_key(server.data_dir)
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with aiohttp.ClientSession() as http, http.request(
            method, server.http + path, json=body, headers=headers) as r:
        status, answer = r.status, await r.json()
    check_answer(method, path, status, answer)  # every API answer of the tests vs OpenAPI
    return status, answer


async def create(server: Running, **options: Any) -> dict[str, Any]:
    status, body = await api(server, "POST", "/api/sessions",
                             {"interviewer": ALICE, "interviewee": BOB, "options": options})
    assert status == 201, body
    return dict(body)


class Participant:
    """A hello client in a session room that keeps every frame it got (for leak scans)."""

    def __init__(self, client: RawClient) -> None:
        self.c = client

    @classmethod
    async def join(cls, server: Running, room: str, token: str) -> Participant:
        c = await RawClient.connect(f"{server.ws_base}/{room}?token={quote(token)}")
        await c.recv_until(lambda m: isinstance(m, SyncStep1))
        await c.send(SyncStep1(b"\x00"))
        await c.recv_until(lambda m: isinstance(m, SyncStep2))
        await c.send(Hello(v=1, client="test"))
        await c.recv_until(lambda m: isinstance(m, Welcome))
        return cls(c)

    @property
    def received(self) -> list[Message]:
        return self.c.received

    def last(self, kind: type) -> Any:
        found = [m for m in self.c.received if isinstance(m, kind)]
        return found[-1] if found else None

    async def until(self, check: Any, timeout: float = 10.0) -> Any:
        """Wait for a message satisfying check (also looking at what already arrived)."""
        for m in self.c.received:
            if check(m):
                return m
        return await self.c.recv_until(check, timeout)

    async def next(self, check: Any, timeout: float = 10.0) -> Any:
        """Wait for a new message satisfying check."""
        return await self.c.recv_until(check, timeout)

    async def send(self, msg: Any) -> None:
        await self.c.send(msg)

    def all_bytes(self) -> bytes:
        return b"".join(self.c.frames)

    async def drain(self, quiet: float = 0.2) -> None:
        """Read until nothing arrives for `quiet` seconds (collect everything sent so far)."""
        try:
            while True:
                await self.c.recv(quiet)
        except TimeoutError:
            pass

    async def close(self) -> None:
        await self.c.close()


def phase_is(phase: str) -> Any:
    from collab_protocol import SessionState

    return lambda m: isinstance(m, SessionState) and m.phase == phase
