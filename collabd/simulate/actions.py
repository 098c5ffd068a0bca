"""What a bot does with its client and the API: type, wait, create and cancel sessions.

`ClientLike` is the part of collab_client.Client the bots use (tests pass fakes of it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import aiohttp
import msgspec

from collab_protocol import ChatMsg, FeedbackReveal, SessionState, UnmaskResult, UnmaskStatus

from ..api.payloads import Created, CreateSession
from .outcome import BotSettings, SimulationError
from .plan import SessionPlan

CLIENT_NAME = "collabd-simulate"
TYPE_TICK = 0.05  # at most 20 edits per second per typist, whatever the character rate

class ClientLike(Protocol):
    """The parts of collab_client.Client the bots use."""

    @property
    def text(self) -> Any: ...  # the `code` Y.Text
    @property
    def session(self) -> SessionState | None: ...
    @property
    def chat(self) -> list[ChatMsg]: ...  # in id order
    @property
    def reveal(self) -> FeedbackReveal | None: ...
    @property
    def unmask_status(self) -> UnmaskStatus | None: ...
    @property
    def unmask_result(self) -> UnmaskResult | None: ...

    async def wait_for(self, predicate: Callable[[Any], bool], timeout: float = ...) -> Any: ...
    def insert(self, index: int, text: str) -> None: ...
    async def post_chat(self, text: str, timeout: float = ...) -> Any: ...
    async def end_interview(self, timeout: float = ...) -> Any: ...
    async def submit_feedback(self, form: dict[str, Any], timeout: float = ...) -> Any: ...
    async def answer_unmask(self, answer: str, timeout: float = ...) -> Any: ...
    async def close(self) -> None: ...


Connect = Callable[[str, str], Awaitable[ClientLike]]  # (token, server base URL) -> client

def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: how Yjs (and the SDK's indexes) count."""
    return len(text.encode("utf-16-le")) // 2


def code_of(client: ClientLike) -> str:
    return str(client.text)


def phase_of(client: ClientLike) -> str | None:
    return client.session.phase if client.session is not None else None


def chat_texts(client: ClientLike) -> list[str]:
    return [m.text for m in client.chat]


def has_chat_line(text: str) -> Callable[[ClientLike], bool]:
    return lambda c: text in chat_texts(c)


async def create_session(
    http: aiohttp.ClientSession, s: BotSettings, plan: SessionPlan
) -> Created:
    """POST /api/sessions with a body the API's CreateSession accepts; its answer as Created."""
    body = {
        "interviewer": plan.interviewer,
        "interviewee": plan.interviewee,
        "options": {
            "interview_seconds": s.interview_seconds,
            "feedback_seconds": s.feedback_seconds,
            "unmask_seconds": s.unmask_seconds,
            "grace_seconds": s.grace_seconds,
            "unmask_policy": plan.policy,
        },
        "simulated": True,
    }
    try:
        msgspec.convert(body, CreateSession)
    except msgspec.ValidationError as exc:
        raise SimulationError(f"the session to create is not valid: {exc}") from None
    url = s.server.rstrip("/") + "/api/sessions"
    headers = {"Authorization": f"Bearer {s.api_key}"}
    timeout = aiohttp.ClientTimeout(total=s.step_timeout)
    async with http.post(url, json=body, headers=headers, timeout=timeout) as resp:
        if resp.status != 201:
            text = (await resp.text())[:300]
            raise SimulationError(f"POST /api/sessions answered {resp.status}: {text}")
        answer = await resp.read()
    try:
        return msgspec.json.decode(answer, type=Created)
    except msgspec.ValidationError as exc:
        raise SimulationError(f"POST /api/sessions answered an unexpected body: {exc}") from None


async def type_into(client: ClientLike, text: str, rate: float) -> None:
    """Append `text` to `code`, `rate` characters per second (ticks of TYPE_TICK seconds).

    Bounded: every tick inserts at least one character, so the loop runs at most len(text)
    times; the sleeps pace the typing, they do not wait for anything.
    """
    if rate <= 0:
        client.insert(utf16_len(code_of(client)), text)
        return
    loop = asyncio.get_running_loop()
    start = loop.time()
    pos = 0
    while pos < len(text):
        due = int((loop.time() - start) * rate) + 1
        end = max(pos + 1, min(len(text), due))
        client.insert(utf16_len(code_of(client)), text[pos:end])
        pos = end
        if pos < len(text):
            await asyncio.sleep(max(TYPE_TICK, 1.0 / rate))

async def wait_until(
    client: ClientLike, predicate: Callable[[Any], bool], timeout: float, what: str
) -> None:
    try:
        await client.wait_for(predicate, timeout=timeout)
    except TimeoutError:
        raise SimulationError(f"timed out after {timeout:g} s waiting for {what}") from None


async def together(*aws: Awaitable[Any]) -> list[Any]:
    """Run awaitables together; if one fails, cancel the others and raise the first error."""
    tasks = [asyncio.ensure_future(a) for a in aws]
    try:
        return list(await asyncio.gather(*tasks))
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

async def cancel_session(http: aiohttp.ClientSession, s: BotSettings, session_id: str) -> bool:
    """Seal a failed session (POST .../cancel) so it does not wait in the server for its
    timers; best effort: True if the server cancelled it now."""
    url = f"{s.server.rstrip('/')}/api/sessions/{session_id}/cancel"
    try:
        async with http.post(
            url,
            headers={"Authorization": f"Bearer {s.api_key}"},
            timeout=aiohttp.ClientTimeout(total=s.step_timeout),
        ) as resp:
            return resp.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False
