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

This module is the script; `outcome` holds the settings, the outcome and the step clock,
`actions` what a bot does with its client and the API, `checks` the reveal's promises.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp

from collab_protocol import Phase

from .actions import (
    CLIENT_NAME,
    ClientLike,
    Connect,
    cancel_session,
    chat_texts,
    code_of,
    create_session,
    has_chat_line,
    phase_of,
    together,
    type_into,
    utf16_len,
    wait_until,
)
from .checks import check_reveal
from .outcome import BotSettings, SessionOutcome, SimulationError, StepClock
from .plan import SessionPlan

__all__ = [  # where runner.py, cli.py and the tests find them
    "CLIENT_NAME",
    "BotSettings",
    "ClientLike",
    "Connect",
    "SessionOutcome",
    "SimulationError",
    "run_session",
    "utf16_len",
]

TERMINAL = frozenset({Phase.UNMASKED, Phase.SEALED})


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

async def _play(
    http: aiohttp.ClientSession,
    connect: Connect,
    s: BotSettings,
    plan: SessionPlan,
    out: SessionOutcome,
    clients: list[ClientLike],
) -> None:
    clock = StepClock(out)
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

        # Not together(): cancelling a connect half-way leaves the SDK with an unretrieved future;
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
        await together(
            wait_until(er, lambda c: phase_of(c) == Phase.LIVE, T, "the interviewer to see live"),
            wait_until(ee, lambda c: phase_of(c) == Phase.LIVE, T, "the interviewee to see live"),
        )

    by_role = {"interviewer": er, "interviewee": ee}
    other = {"interviewer": ee, "interviewee": er}
    opening, closing = plan.chat[:2], plan.chat[2:]

    async def say(lines: tuple[tuple[str, str], ...]) -> None:
        for role, text in lines:
            t0 = time.perf_counter()
            await by_role[role].post_chat(text, timeout=T)
            await wait_until(other[role], has_chat_line(text), T, f"the chat line from the {role}")
            out.record("chat_seen", time.perf_counter() - t0)

    with clock.step("chat"):
        await say(opening)

    with clock.step("type"):
        await type_into(er, plan.prompt, s.type_rate)
        t0 = time.perf_counter()
        await wait_until(
            ee, lambda c: code_of(c) == plan.prompt, T, "the prompt to reach the interviewee"
        )
        out.record("edit_seen", time.perf_counter() - t0)
        await type_into(ee, plan.solution, s.type_rate)
        await wait_until(
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
        await together(
            wait_until(er, lambda c: phase_of(c) == Phase.FEEDBACK, T, "feedback phase"),
            wait_until(ee, lambda c: phase_of(c) == Phase.FEEDBACK, T, "feedback phase"),
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

        await together(
            submit("interviewer", er, plan.interviewer_form),
            submit("interviewee", ee, plan.interviewee_form),
        )
        await together(
            wait_until(er, lambda c: c.reveal is not None, T, "the interviewer's reveal"),
            wait_until(ee, lambda c: c.reveal is not None, T, "the interviewee's reveal"),
        )
    check_reveal(plan, er.reveal, ee.reveal)

    with clock.step("unmask"):

        def settled(c: ClientLike) -> bool:
            return (
                phase_of(c) in TERMINAL
                or c.unmask_status is not None
                or bool(c.session is not None and c.session.unmask_offered)
            )

        await together(
            wait_until(er, settled, T, "the unmask question or the end"),
            wait_until(ee, settled, T, "the unmask question or the end"),
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
        await together(
            wait_until(er, lambda c: phase_of(c) in TERMINAL, T, "the terminal phase"),
            wait_until(ee, lambda c: phase_of(c) in TERMINAL, T, "the terminal phase"),
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
        await wait_until(
            er,
            lambda c: c.unmask_status is not None and c.unmask_status.mine == "yes",
            T,
            "the interviewer's yes to be recorded",
        )
        await ee.answer_unmask(plan.unmask_interviewee, timeout=T)
        out.unmask_answers["interviewee"] = plan.unmask_interviewee
    await together(
        wait_until(er, lambda c: c.unmask_result is not None, T, "the unmask result"),
        wait_until(ee, lambda c: c.unmask_result is not None, T, "the unmask result"),
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
