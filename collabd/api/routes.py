"""The session REST API for embedders (JSON; `Authorization: Bearer <api key>`).

Errors are `{"error": {"code", "message"}}` with a stable code. Bodies and queries are decoded,
and answers built, through the Structs of payloads.py; the OpenAPI document generated from them
is served at GET /api/openapi.json. GET /metrics (Prometheus) sits behind the same key.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from aiohttp import web

from ..adapters.http_server import ADMISSION
from ..core.lifecycle import Role, SessionError
from ..core.session import Identity, Session, SessionOptions
from ..core.text import shown
from ..ports import StoreUnavailable
from ..runtime import timeline
from ..runtime.handlers.recording import page_budget, page_rows
from ..runtime.hub import Hub
from ..runtime.live import DamagedSession, Live
from ..runtime.services import Services
from . import payloads as p
from .calibration_payloads import PersonCalibration
from .openapi import OPENAPI_JSON, ROUTES
from .recording_payloads import RecordingDeleted, RecordingPage, RecordingQuery
from .timeline_payloads import Timeline, TimelineQuery

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
JSON = "application/json"
log = logging.getLogger("collabd.api")
PRACTICE_TRACKED = 10_000  # addresses remembered by the practice limit (oldest forgotten)
# set on a request another node of the cluster forwarded with a valid proof, after checking
# the API key itself (cluster/http.py): the key is not forwarded
FORWARDED = "collabd.forwarded"


def error(status: int, code: str, message: str) -> web.Response:
    body = p.answer({"error": {"code": code, "message": message}}, p.ErrorAnswer)
    return web.Response(body=body, status=status, content_type=JSON)


def unavailable_store() -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """A middleware: an API request the store cannot serve now (StoreUnavailable: PostgreSQL
    down, a disk gone) gets 503 store_unavailable (retry later) rather than a bare 500."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except StoreUnavailable as exc:
            if not request.path.startswith("/api/"):
                raise
            log.warning("store unavailable", extra={"path": request.path, "error": str(exc)})
            return error(503, "store_unavailable", "the store cannot be reached now, retry later")

    return middleware


def answer(value: Any, kind: type, status: int = 200) -> web.Response:
    return web.Response(body=p.answer(value, kind), status=status, content_type=JSON)


class NotFound(Exception):
    pass


class SessionApi:
    def __init__(self, services: Services, api_key: str, public_url: str, practice: bool,
                 metrics: Handler | None = None) -> None:
        self.services = services
        self.api_key = api_key
        self.public_url = public_url
        self.practice_enabled = practice
        self.metrics = metrics
        self._practice_times: dict[str, deque[float]] = {}

    @property
    def hub(self) -> Hub:
        hub = self.services.hub
        assert hub is not None, "the services are bound to a hub before the API serves"
        return hub

    def routes(self, app: web.Application) -> None:
        """Register the endpoints of openapi.ROUTES, the table the OpenAPI paths come from."""
        for route in ROUTES:
            handler: Handler | None = getattr(self, route.handler) if route.handler else None
            if handler is None:  # served by the app itself, or /metrics when it is off
                continue
            app.router.add_route(route.method, route.path,
                                 self.guard(handler) if route.auth else handler)

    def guard(self, handler: Handler) -> Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            auth = request.headers.get("Authorization", "")
            given = auth[7:] if auth.startswith("Bearer ") else ""
            if request.get(FORWARDED) is True:
                pass
            elif not given or not hmac.compare_digest(given.encode(), self.api_key.encode()):
                return error(401, "unauthorized", "a valid API key is required (Bearer)")
            try:
                return await handler(request)
            except p.InvalidPayload as exc:
                return error(400, exc.code, str(exc))
            except NotFound:
                return error(404, "not_found", "no such session")
            except DamagedSession as exc:
                log.error("damaged session", extra={"session": exc.sid, "reason": exc.reason})
                return error(500, "damaged_session", str(exc))
        return guarded

    async def openapi(self, request: web.Request) -> web.Response:
        return web.Response(body=OPENAPI_JSON, content_type=JSON)

    def _base(self, request: web.Request) -> str:
        """`--public-url`, else the address this connection reached us on (the socket's, never
        the request's Host header: anyone can write that, and it would put a stranger's host
        in front of a join token)."""
        if self.public_url:
            return self.public_url.rstrip("/")
        sock = request.transport.get_extra_info("sockname") if request.transport else None
        if not isinstance(sock, tuple) or len(sock) < 2:
            return ""  # a Unix socket: links relative to wherever the page came from
        host, port = str(sock[0]), int(sock[1])
        scheme = "https" if request.transport and request.transport.get_extra_info(
            "sslcontext") else "http"
        return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"

    def _created(self, request: web.Request, session: Session, tokens: dict[Role, str],
                 kind: str) -> dict[str, Any]:
        base = self._base(request)
        out: dict[str, Any] = {"session_id": session.id, "status": {
            **session.admin_view(), "simulated": kind == "simulated", "kind": kind}}
        for part in session.participants:
            out[part.role] = {"pid": part.id, "token": tokens[part.role],
                              "join_url": f"{base}/join#token={tokens[part.role]}"}
        return out

    async def create(self, request: web.Request) -> web.Response:
        body = p.create_session(await request.read())
        limit = self.hub.settings.limits.question_max_chars
        if len(body.question) > limit:
            raise p.InvalidPayload(f"question: at most {limit} characters - at `$.question`")
        options, extra = (body.options or p.Options()).to_core()
        kind = "simulated" if body.simulated else "real"
        session, tokens = await self.services.create(
            body.interviewer.to_core(), body.interviewee.to_core(), options, body.simulated,
            extra, kind=kind,
            external_ids=(body.interviewer.external(), body.interviewee.external()),
            question=shown(body.question))
        return answer(self._created(request, session, tokens, kind), p.Created, 201)

    async def list_sessions(self, request: web.Request) -> web.Response:
        q = p.query(request.query, p.ListQuery)
        kind = q.kind if isinstance(q.kind, str) else None
        rows = await self.services.read(self.hub.store.list_sessions, q.limit,
                                        q.offset, kind)
        sessions, skipped = [], []
        for row in rows:
            try:
                sessions.append(self._row_status(row))
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                skipped.append({"session_id": row.sid, "reason": row.problem or repr(exc)})
        if skipped:
            log.warning("damaged sessions left out of the list", extra={"skipped": skipped})
        return answer({"sessions": sessions, "limit": q.limit, "offset": q.offset,
                       "skipped": skipped}, p.SessionList)

    def _row_status(self, row: Any) -> Any:
        """One listed session's status, checked against its schema (raises on a damaged row,
        so that row alone is left out)."""
        if row.problem is not None:
            raise ValueError(row.problem)
        live = self.services.live.get(row.sid)
        session = live.session if live else Session.from_record(row.record)
        status = {**session.admin_view(), "simulated": row.kind == "simulated",
                  "kind": row.kind}
        return msgspec.convert(status, p.SessionStatus)

    async def _live(self, request: web.Request) -> Live:
        """The session, loaded (and kept while it needs to be) to change it."""
        live = await self.services.get(request.match_info["sid"])
        if live is None:
            raise NotFound
        return live

    async def _read(self, request: web.Request) -> Live:
        """The session, to read it: not kept in memory for the read."""
        live = await self.services.peek(request.match_info["sid"])
        if live is None:
            raise NotFound
        return live

    @staticmethod
    def _status(live: Live) -> web.Response:
        return answer({**live.session.admin_view(), "simulated": live.simulated,
                       "kind": live.kind}, p.SessionStatus)

    async def get(self, request: web.Request) -> web.Response:
        return self._status(await self._read(request))

    async def _mutate(self, live: Live, fn: Callable[..., list[str]], *args: Any,
                      ) -> web.Response:
        try:
            await self.services.mutate(live, fn, *args)
        except SessionError as exc:
            return error(409, exc.code, str(exc))
        finally:
            self.services.release(live)  # kept only while a room or a timer needs it
        return self._status(live)

    async def end(self, request: web.Request) -> web.Response:
        live = await self._live(request)
        return await self._mutate(live, live.session.end, None)

    async def cancel(self, request: web.Request) -> web.Response:
        live = await self._live(request)
        return await self._mutate(live, live.session.cancel)

    async def chat(self, request: web.Request) -> web.Response:
        live = await self._read(request)
        rows = await self.services.read(self.hub.store.chat_after, live.session.id, 0,
                                        100_000)
        return answer({"session_id": live.session.id, "messages": rows}, p.ChatLog)

    async def timeline(self, request: web.Request) -> web.Response:
        """One page of the replay timeline (SPEC 18): at any phase for the embedder,
        pseudonyms only unless the two unmasked; never anyone's private notes."""
        q = p.query(request.query, TimelineQuery)
        live = await self._read(request)
        info, events = await self.services.timeline(live)
        if q.after > len(events):
            raise p.InvalidPayload("after is past the end of the timeline")
        budget = self.hub.settings.limits.timeline_page_bytes
        part, nxt = timeline.page(events, q.after, budget, split=False)
        body = await asyncio.to_thread(p.answer, {"info": info, "events": part, "next": nxt},
                                       Timeline)
        return web.Response(body=body, content_type=JSON)

    async def recording(self, request: web.Request) -> web.Response:
        """One page of the recorded call (SPEC 14.4): never before the session has ended."""
        q = p.query(request.query, RecordingQuery)
        live = await self._read(request)
        if live.session.phase.value in ("lobby", "live"):
            return error(409, "wrong_phase", "the recording is served once the session has "
                         "ended")
        budget = page_budget(self.hub.settings.limits.timeline_page_bytes)
        rows, more = await self.services.read(self.hub.store.recording_after, live.session.id,
                                              q.after, budget)
        chunks = page_rows(rows)
        page: dict[str, Any] = {"session_id": live.session.id, "chunks": chunks}
        if more and chunks:
            page["next"] = chunks[-1]["id"]
        body = await asyncio.to_thread(p.answer, page, RecordingPage)
        return web.Response(body=body, content_type=JSON)

    async def delete_recording(self, request: web.Request) -> web.Response:
        live = await self._read(request)
        sid = live.session.id
        deleted = await self.services.write(self.hub.store.delete_recording, sid)
        self.services.forget_recording(sid)
        return answer({"session_id": sid, "deleted": deleted}, RecordingDeleted)

    async def analytics(self, request: web.Request) -> web.Response:
        from ..analytics.extra import MissingExtraError
        from ..analytics.records import from_session_rows

        q = p.query(request.query, p.AnalyticsQuery)
        rows = await self.services.read(self.hub.store.all_sessions)
        records, skipped = from_session_rows(rows)
        if skipped:
            log.warning("damaged sessions left out of the study", extra={"skipped": skipped})
        try:
            from ..analytics.study import compute

            result = await asyncio.get_running_loop().run_in_executor(
                None, lambda: compute(records, include=q.include(), skipped=skipped))
        except MissingExtraError as exc:
            return error(503, "analytics_unavailable", str(exc))
        return web.json_response(result)

    async def calibration(self, request: web.Request) -> web.Response:
        """GET /api/people/{external_id}/calibration: the person's sessions as a candidate,
        found by the keyed hash of their external id (the id itself is not stored)."""
        from ..analytics.person import history, person_key
        from ..analytics.records import from_session_rows

        q = p.query(request.query, p.AnalyticsQuery)
        external_id = request.match_info["external_id"]
        if not 1 <= len(external_id) <= 200:
            raise p.InvalidPayload("external_id must have 1 to 200 characters")
        key = person_key(self.services.secret, external_id)
        rows = await self.services.read(self.hub.store.candidate_sessions, key)
        records, skipped = from_session_rows(rows)
        if skipped:
            log.warning("damaged sessions left out of a calibration", extra={"skipped": skipped})
        return answer(history(records, include=q.include()), PersonCalibration)

    def _practice_allowed(self, address: str, now: float) -> bool:
        """At most `practice_per_minute` practice sessions per client address per minute."""
        per_minute = self.hub.settings.limits.practice_per_minute
        times = self._practice_times.pop(address, None) or deque()
        while times and times[0] <= now - 60:
            times.popleft()
        self._practice_times[address] = times  # re-inserted: the dict stays in age order
        if len(self._practice_times) > PRACTICE_TRACKED:
            del self._practice_times[next(iter(self._practice_times))]
        if len(times) >= per_minute:
            return False
        times.append(now)
        return True

    async def practice(self, request: web.Request) -> web.Response:
        """A practice interview for a server run on its own (the start page's button)."""
        if not self.practice_enabled:
            return error(404, "not_found", "practice sessions are disabled on this server")
        now = asyncio.get_running_loop().time()
        rooms = request.app.get(ADMISSION)  # an IPv6 /64, or the client behind a trusted proxy
        client = (rooms.trusted.client(request.remote or "", request.headers) if rooms
                  else request.remote or "")
        if not self._practice_allowed(client, now):
            self.hub.stats.practice_refused += 1
            return error(429, "rate_limited",
                         "too many practice sessions; try again in a minute")
        session, tokens = await self.services.create(
            Identity("Practice Interviewer", "interviewer@practice.invalid"),
            Identity("Practice Candidate", "candidate@practice.invalid"),
            SessionOptions(), simulated=False, extra={"practice": True}, kind="practice")
        created = self._created(request, session, tokens, "practice")
        return answer({"session_id": session.id, "links": {
            role: created[role]["join_url"] for role in ("interviewer", "interviewee")}},
            p.PracticeCreated, 201)
