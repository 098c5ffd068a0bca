"""One simulated interview: two bots driving the Python client SDK through a `SessionPlan`.

The script, each wait bounded by `step_timeout` and the whole by `session_timeout`:

    create      POST /api/sessions ("simulated": true)
    join        both connect (in parallel) and see the phase `live`
    chat        the interviewer greets, the interviewee answers (each line waited for)
    type        the interviewer types the prompt into `code` at `type_rate` characters per
                second; the interviewee waits until it sees all of it, then appends a solution;
                the interviewer waits until it sees that
    chat_closing  two more lines, and both sides' chat is checked (order, no duplicates)
    end         the interviewer ends the interview; both see `feedback`
    feedback    both submit their forms at once (each waits for its ack); both get the reveal
    unmask      if offered, the interviewer answers, then the interviewee; both see the result
    done        both see the terminal phase

Along the way the bots check what the protocol promises (both sides end with the same `code`,
chat arrives in order, the interviewer's reveal lacks `self_assessment`, the interviewee's
carries the calibration, the unmask result and the identities) and fail the session if not.
A failed session is cancelled through the API, so it does not linger in the lobby.

Finer measurements taken inside the steps: `chat_seen` (post until the other side has the
line), `edit_seen` (last keystroke until the other side has the whole text), `submit_ack`,
`unmask_result` (first answer until both have the result), `session` (create to done).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
import msgspec

from collab_protocol import ChatMsg, FeedbackReveal, Phase, SessionState, UnmaskResult, UnmaskStatus
from collab_protocol.forms import IntervieweeForm, InterviewerForm, private_fields

from ..api.payloads import Created, CreateSession
from .plan import SessionPlan

TERMINAL = frozenset({Phase.UNMASKED, Phase.SEALED})
CLIENT_NAME = "collabd-simulate"
TYPE_TICK = 0.05  # at most 20 edits per second per typist, whatever the character rate


class SimulationError(Exception):
    """A session did not go as the protocol says; the message says at which step and why."""


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


@dataclass(frozen=True)
class BotSettings:
    server: str  # http(s)://host:port
    api_key: str
    type_rate: float = 30.0  # characters per second; 0 pastes each text in one edit
    step_timeout: float = 30.0
    session_timeout: float = 300.0
    interview_seconds: int = 3600
    feedback_seconds: int = 3600
    unmask_seconds: int = 3600
    grace_seconds: int = 30


@dataclass
class SessionOutcome:
    """What happened in one simulated session, and what the bots submitted."""

    index: int
    ok: bool = False
    error: str | None = None
    step: str = "create"
    session_id: str | None = None
    interviewer_pid: str | None = None
    interviewee_pid: str | None = None
    interviewer_form: dict[str, Any] | None = None  # as submitted (acknowledged) only
    interviewee_form: dict[str, Any] | None = None
    unmask_offered: bool | None = None
    unmask_answers: dict[str, str] = field(default_factory=dict)  # role -> answer sent
    unmasked: bool | None = None
    final_phase: str | None = None
    cancelled: bool = False  # a failed session the simulator then cancelled (sealed)
    latencies: dict[str, list[float]] = field(default_factory=dict)  # name -> seconds

    def record(self, name: str, seconds: float) -> None:
        self.latencies.setdefault(name, []).append(seconds)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "ok": self.ok,
            "error": self.error,
            "failed_step": None if self.ok else self.step,
            "session_id": self.session_id,
            "simulated": True,
            "interviewer_pid": self.interviewer_pid,
            "interviewee_pid": self.interviewee_pid,
            "interviewer_form": self.interviewer_form,
            "interviewee_form": self.interviewee_form,
            "unmask_offered": self.unmask_offered,
            "unmask_answers": dict(self.unmask_answers),
            "unmasked": self.unmasked,
            "cancelled": self.cancelled,
            "final_phase": self.final_phase,
            "latencies_ms": {
                k: [round(v * 1000, 3) for v in vs] for k, vs in self.latencies.items()
            },
        }


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: how Yjs (and the SDK's indexes) count."""
    return len(text.encode("utf-16-le")) // 2


def code_of(client: ClientLike) -> str:
    return str(client.text)


def phase_of(client: ClientLike) -> str | None:
    return client.session.phase if client.session is not None else None


def chat_texts(client: ClientLike) -> list[str]:
    return [m.text for m in client.chat]


def _has_chat_line(text: str) -> Callable[[ClientLike], bool]:
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


class _Clock:
    def __init__(self, outcome: SessionOutcome) -> None:
        self.outcome = outcome

    def step(self, name: str) -> _Step:
        self.outcome.step = name
        return _Step(self.outcome, name)


class _Step:
    def __init__(self, outcome: SessionOutcome, name: str) -> None:
        self.outcome, self.name = outcome, name

    def __enter__(self) -> _Step:
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is None:
            self.outcome.record(self.name, time.perf_counter() - self.t0)


async def _wait(
    client: ClientLike, predicate: Callable[[Any], bool], timeout: float, what: str
) -> None:
    try:
        await client.wait_for(predicate, timeout=timeout)
    except TimeoutError:
        raise SimulationError(f"timed out after {timeout:g} s waiting for {what}") from None


async def _both(*aws: Awaitable[Any]) -> list[Any]:
    """Run awaitables together; if one fails, cancel the others and raise the first error."""
    tasks = [asyncio.ensure_future(a) for a in aws]
    try:
        return list(await asyncio.gather(*tasks))
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def run_session(
    http: aiohttp.ClientSession, connect: Connect, s: BotSettings, plan: SessionPlan
) -> SessionOutcome:
    """Play one interview; never raises (except cancellation): failures are in the outcome."""
    out = SessionOutcome(index=plan.index)
    clients: list[ClientLike] = []
    t_start = time.perf_counter()
    deadline = asyncio.timeout(s.session_timeout)
    try:
        async with deadline:
            await _play(http, connect, s, plan, out, clients)
        out.ok = True
        out.record("session", time.perf_counter() - t_start)
    except TimeoutError as exc:
        if deadline.expired():
            out.error = f"{out.step}: the session took longer than {s.session_timeout:g} s"
        else:
            out.error = f"{out.step}: timed out after {s.step_timeout:g} s {exc}".rstrip()
    except SimulationError as exc:
        out.error = f"{out.step}: {exc}"
    except Exception as exc:  # noqa: BLE001 - a load generator reports every failure
        out.error = f"{out.step}: {type(exc).__name__}: {exc}"
    finally:
        # Close both even if cancelled; shield so a cancelled run still says goodbye.
        for c in clients:
            try:
                await asyncio.shield(c.close())
            except Exception:  # noqa: BLE001, S110 - closing is best effort
                pass
    if not out.ok and out.session_id is not None:
        out.cancelled = await cancel_session(http, s, out.session_id)
    return out


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


async def _play(
    http: aiohttp.ClientSession,
    connect: Connect,
    s: BotSettings,
    plan: SessionPlan,
    out: SessionOutcome,
    clients: list[ClientLike],
) -> None:
    clock = _Clock(out)
    T = s.step_timeout

    with clock.step("create"):
        created = await create_session(http, s, plan)
    out.session_id = created.session_id
    out.interviewer_pid = created.interviewer.pid
    out.interviewee_pid = created.interviewee.pid
    links = {"interviewer": created.interviewer, "interviewee": created.interviewee}

    with clock.step("join"):

        async def join(role: str) -> ClientLike:
            # The SDK bounds its own connect (by step_timeout); the outer bound is a safety net.
            c = await asyncio.wait_for(connect(links[role].token, s.server), T + 5)
            clients.append(c)
            return c

        # Not _both: cancelling a connect half-way leaves the SDK with an unretrieved future;
        # let both attempts finish, then report the first failure (the finally closes both).
        joined = await asyncio.gather(
            join("interviewer"), join("interviewee"), return_exceptions=True
        )
        pair: list[ClientLike] = []
        for result in joined:
            if isinstance(result, BaseException):
                raise result
            pair.append(result)
        er, ee = pair
        await _both(
            _wait(er, lambda c: phase_of(c) == Phase.LIVE, T, "the interviewer to see live"),
            _wait(ee, lambda c: phase_of(c) == Phase.LIVE, T, "the interviewee to see live"),
        )

    by_role = {"interviewer": er, "interviewee": ee}
    other = {"interviewer": ee, "interviewee": er}
    opening, closing = plan.chat[:2], plan.chat[2:]

    async def say(lines: tuple[tuple[str, str], ...]) -> None:
        for role, text in lines:
            t0 = time.perf_counter()
            await by_role[role].post_chat(text, timeout=T)
            await _wait(other[role], _has_chat_line(text), T, f"the chat line from the {role}")
            out.record("chat_seen", time.perf_counter() - t0)

    with clock.step("chat"):
        await say(opening)

    with clock.step("type"):
        await type_into(er, plan.prompt, s.type_rate)
        t0 = time.perf_counter()
        await _wait(
            ee, lambda c: code_of(c) == plan.prompt, T, "the prompt to reach the interviewee"
        )
        out.record("edit_seen", time.perf_counter() - t0)
        await type_into(ee, plan.solution, s.type_rate)
        await _wait(
            er, lambda c: code_of(c) == plan.code, T, "the solution to reach the interviewer"
        )
        if code_of(ee) != plan.code:
            raise SimulationError("the two sides' code differs")

    with clock.step("chat_closing"):
        await say(closing)
        for c in (er, ee):
            if chat_texts(c) != [text for _, text in plan.chat]:
                raise SimulationError(f"chat out of order or duplicated: {chat_texts(c)!r}")

    with clock.step("end"):
        await er.end_interview(timeout=T)
        await _both(
            _wait(er, lambda c: phase_of(c) == Phase.FEEDBACK, T, "feedback phase"),
            _wait(ee, lambda c: phase_of(c) == Phase.FEEDBACK, T, "feedback phase"),
        )

    with clock.step("feedback"):

        async def submit(role: str, client: ClientLike, form: dict[str, Any]) -> None:
            t0 = time.perf_counter()
            await client.submit_feedback(form, timeout=T)
            out.record("submit_ack", time.perf_counter() - t0)
            if role == "interviewer":
                out.interviewer_form = form
            else:
                out.interviewee_form = form

        await _both(
            submit("interviewer", er, plan.interviewer_form),
            submit("interviewee", ee, plan.interviewee_form),
        )
        await _both(
            _wait(er, lambda c: c.reveal is not None, T, "the interviewer's reveal"),
            _wait(ee, lambda c: c.reveal is not None, T, "the interviewee's reveal"),
        )
    _check_reveal(plan, er.reveal, ee.reveal)

    with clock.step("unmask"):

        def settled(c: ClientLike) -> bool:
            return (
                phase_of(c) in TERMINAL
                or c.unmask_status is not None
                or bool(c.session is not None and c.session.unmask_offered)
            )

        await _both(
            _wait(er, settled, T, "the unmask question or the end"),
            _wait(ee, settled, T, "the unmask question or the end"),
        )
        offered = any(
            c.unmask_status is not None or bool(c.session is not None and c.session.unmask_offered)
            for c in (er, ee)
        )
        out.unmask_offered = offered
        if offered != plan.unmask_offered:
            raise SimulationError(
                f"unmask offered={offered}, the policy says {plan.unmask_offered}"
            )
        if offered:
            await _answer_unmask(plan, er, ee, out, T)

    with clock.step("done"):
        await _both(
            _wait(er, lambda c: phase_of(c) in TERMINAL, T, "the terminal phase"),
            _wait(ee, lambda c: phase_of(c) in TERMINAL, T, "the terminal phase"),
        )
        out.final_phase = phase_of(er)
        if out.final_phase != plan.expect_phase or phase_of(ee) != plan.expect_phase:
            raise SimulationError(
                f"ended {phase_of(er)}/{phase_of(ee)}, expected {plan.expect_phase}"
            )


async def _answer_unmask(
    plan: SessionPlan, er: ClientLike, ee: ClientLike, out: SessionOutcome, T: float
) -> None:
    """The interviewer answers first; the interviewee answers only if the question is open."""
    t0 = time.perf_counter()
    await er.answer_unmask(plan.unmask_interviewer, timeout=T)
    out.unmask_answers["interviewer"] = plan.unmask_interviewer
    if plan.unmask_interviewer == "yes":
        await _wait(
            er,
            lambda c: c.unmask_status is not None and c.unmask_status.mine == "yes",
            T,
            "the interviewer's yes to be recorded",
        )
        await ee.answer_unmask(plan.unmask_interviewee, timeout=T)
        out.unmask_answers["interviewee"] = plan.unmask_interviewee
    await _both(
        _wait(er, lambda c: c.unmask_result is not None, T, "the unmask result"),
        _wait(ee, lambda c: c.unmask_result is not None, T, "the unmask result"),
    )
    out.record("unmask_result", time.perf_counter() - t0)
    r_er, r_ee = er.unmask_result, ee.unmask_result
    if r_er is None or r_ee is None:
        raise SimulationError("an unmask result is missing")
    out.unmasked = bool(r_er.unmasked)
    if r_er.unmasked != plan.expect_unmasked or r_ee.unmasked != plan.expect_unmasked:
        raise SimulationError(
            f"unmasked={r_er.unmasked}/{r_ee.unmasked}, expected {plan.expect_unmasked}"
        )
    if plan.expect_unmasked:
        for result, identity in ((r_er, plan.interviewee), (r_ee, plan.interviewer)):
            got = result.identity or {}
            if got.get("name") != identity["name"] or got.get("email") != identity["email"]:
                raise SimulationError("the unmask result does not carry the other's identity")
    elif r_er.identity or r_ee.identity:
        raise SimulationError("an identity was sent without a mutual unmask")


def _check_reveal(
    plan: SessionPlan, er_reveal: FeedbackReveal | None, ee_reveal: FeedbackReveal | None
) -> None:
    """Each side's reveal is what the forms' Structs say it may see: the interviewer's lacks
    the private fields, the interviewee's carries the calibration."""
    if er_reveal is None or ee_reveal is None:
        raise SimulationError("a reveal is missing")
    er_form = msgspec.convert(plan.interviewer_form, InterviewerForm)
    ee_form = msgspec.convert(plan.interviewee_form, IntervieweeForm)
    er_theirs = dict(er_reveal.theirs)
    leaked = private_fields(IntervieweeForm) & set(er_theirs)
    if leaked:
        raise SimulationError(f"the interviewer's reveal carries {', '.join(sorted(leaked))}")
    if er_theirs != ee_form.shared_dict():
        raise SimulationError("the interviewer's reveal differs from the interviewee's form")
    if dict(ee_reveal.theirs) != er_form.to_dict():
        raise SimulationError("the interviewee's reveal differs from the interviewer's form")
    calibration = dict(ee_reveal.calibration or {})
    want = {"self": ee_form.self_assessment, "actual": er_form.technical}
    if calibration != want:
        raise SimulationError(f"calibration {calibration!r}, expected {want!r}")
