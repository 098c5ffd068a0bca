"""The requests a client makes of the server (collab_client.Client's request half).

Each sends one collabd message and waits for the server's answer: the echo or reply carrying
the same nonce, an acknowledgement, or the state change it causes; an error for it raises
SdkError with the server's code.
"""

from __future__ import annotations

import secrets
from typing import Any

from collab_protocol import (
    INTERVIEW_PHASES,
    ChatMsg,
    ChatPost,
    ChatTyping,
    CollabMessage,
    EndInterview,
    FeedbackSubmit,
    Notes,
    NotesSave,
    Question,
    QuestionSet,
    RecordingConsent,
    RunMsg,
    RunResult,
    Signal,
    Timeline,
    TimelineGet,
    UnmaskAnswer,
)

from .docsync import DocSync
from .view import SdkError


class Requests(DocSync):
    """Chat, feedback, the end, unmask, runs, the question, notes, replay and signaling."""

    async def post_chat(self, text: str, timeout: float = 10.0) -> ChatMsg:
        """Post a chat message; return the server's echo (with id and timestamp)."""
        nonce = secrets.token_hex(8)
        self._send_request(ChatPost(text=text, nonce=nonce))
        await self.wait_for(
            lambda c: nonce in c._by_nonce or c._error_for(nonce) is not None, timeout
        )
        self._raise_for(nonce)
        return self._by_nonce.pop(nonce)

    async def submit_feedback(self, form: dict[str, Any], timeout: float = 10.0) -> None:
        """Submit the feedback form for our role; returns once the server acknowledged it."""
        nonce = secrets.token_hex(8)
        self._send_request(FeedbackSubmit(form=form, nonce=nonce))
        await self.wait_for(lambda c: nonce in c.acks or c._error_for(nonce) is not None, timeout)
        self._raise_for(nonce)

    async def end_interview(self, timeout: float = 10.0) -> None:
        """End the interview (interviewer only); returns once the phase changed."""
        seen = len(self.errors)
        self._send_request(EndInterview())
        codes = {"not_allowed", "wrong_phase", "not_found"}
        await self.wait_for(
            lambda c: (
                (c.phase is not None and c.phase not in INTERVIEW_PHASES)
                or any(e.code in codes and not e.ref for e in c.errors[seen:])
            ),
            timeout,
        )
        for e in self.errors[seen:]:
            if e.code in codes and not e.ref:
                raise SdkError(e.code, e.message)

    async def answer_unmask(self, answer: str, timeout: float = 10.0) -> None:
        """Answer the unmask question: "yes", "no" or "withdraw"; returns once the server
        answered (unmask_status or unmask_result updated), raises SdkError on an error."""
        if answer not in ("yes", "no", "withdraw"):
            raise ValueError("answer must be 'yes', 'no' or 'withdraw'")
        seen, errors = self._unmask_seen, len(self.errors)
        codes = {"wrong_phase", "not_allowed", "bad_message", "not_found"}
        self._send_request(UnmaskAnswer(answer=answer))
        await self.wait_for(
            lambda c: (
                c._unmask_seen > seen
                or any(e.code in codes and not e.ref for e in c.errors[errors:])
            ),
            timeout,
        )
        if self._unmask_seen == seen:
            for e in self.errors[errors:]:
                if e.code in codes and not e.ref:
                    raise SdkError(e.code, e.message)

    async def _request(self, msg: CollabMessage, nonce: str, timeout: float) -> CollabMessage:
        self._send_request(msg)
        await self.wait_for(
            lambda c: nonce in c._replies or c._error_for(nonce) is not None, timeout
        )
        self._raise_for(nonce)
        return self._replies.pop(nonce)

    async def report_run(self, language: str, *, stdin: str = "", stdout: str = "",
                         stderr: str = "", exception: dict[str, Any] | None = None,
                         exit: int | None = None, duration_ms: int = 0,
                         timed_out: bool = False, truncated: list[str] | None = None,
                         order: list[list[Any]] | None = None,
                         timeout: float = 10.0) -> RunMsg:
        """Share the result of a run this client did itself (SPEC 8.7); returns the stored
        run, stamped by the server with our pseudonym and its time. `order` is the print
        order of stdout and stderr (collab_protocol.runorder.order_of makes it)."""
        nonce = secrets.token_hex(8)
        msg = RunResult(language=language, stdin=stdin, stdout=stdout, stderr=stderr,
                        exception=exception, exit=exit, duration_ms=duration_ms,
                        timed_out=timed_out, truncated=list(truncated or []), order=order,
                        nonce=nonce)
        reply = await self._request(msg, nonce, timeout)
        assert isinstance(reply, RunMsg)
        return reply

    async def set_question(self, text: str, timeout: float = 10.0) -> Question:
        """Set the interview question, Markdown (interviewer only: else SdkError not_allowed)."""
        nonce = secrets.token_hex(8)
        reply = await self._request(QuestionSet(text=text, nonce=nonce), nonce, timeout)
        assert isinstance(reply, Question)
        return reply

    async def save_notes(self, text: str, timeout: float = 10.0) -> Notes:
        """Replace our private notes (the last save wins); only our own connections get them."""
        nonce = secrets.token_hex(8)
        reply = await self._request(NotesSave(text=text, nonce=nonce), nonce, timeout)
        assert isinstance(reply, Notes)
        return reply

    async def fetch_timeline(self, timeout: float = 30.0) -> tuple[dict[str, Any], list[Any]]:
        """The replay timeline (SPEC 18), every page: (info, events). Available once the
        feedback was revealed (else SdkError wrong_phase). Split base64 texts are joined."""
        events: list[Any] = []
        after = 0
        while True:
            nonce = secrets.token_hex(8)
            page = await self._request(TimelineGet(after=after, nonce=nonce), nonce, timeout)
            assert isinstance(page, Timeline)
            for event in page.events:
                if isinstance(event, dict) and isinstance(event.get("u"), list):
                    event = {**event, "u": "".join(event["u"])}
                events.append(event)
            if page.next is None:
                return dict(page.info), events
            after = page.next

    async def consent_recording(self, yes: bool, timeout: float = 10.0) -> None:
        """Agree (or not, or no longer) that the call is recorded (SPEC 14.4); returns once
        the server's `recording` says so, raises SdkError if it refused."""
        seen = len(self.errors)
        self._send_request(RecordingConsent(yes=yes))
        codes = {"not_allowed", "wrong_phase", "not_found", "bad_message"}
        await self.wait_for(
            lambda c: (c.recording is not None and c.recording.mine is yes)
            or any(e.code in codes and not e.ref for e in c.errors[seen:]),
            timeout,
        )
        for e in self.errors[seen:]:
            if e.code in codes and not e.ref:
                raise SdkError(e.code, e.message)

    async def set_typing(self, on: bool) -> None:
        self._send_request(ChatTyping(on=on))

    def send_signal(self, kind: str, data: dict[str, Any], to: str, masked: bool = False) -> None:
        """Send a voice-call `signal` (SPEC 8.4) to participant `to`. A client that cannot take
        calls answers an `offer` with `send_signal("hangup", {"reason": "unsupported"}, to=...)`
        so the caller stops ringing. `masked` says the sender's voice is masked (`offer`,
        `answer`, `voice`; SPEC 14.3). Incoming signals reach `on_message` callbacks."""
        self._send_request(Signal(kind=kind, data=dict(data), to=to, masked=masked))
