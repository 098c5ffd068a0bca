"""The session REST API for embedders (JSON; `Authorization: Bearer <api key>`).

Errors are `{"error": {"code", "message"}}` with a stable code. The OpenAPI document is served
at GET /api/openapi.json (see openapi.py).
"""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from ..core.lifecycle import SessionError
from ..core.session import Identity, Session, SessionOptions
from ..runtime.services import Services
from . import payloads
from .openapi import OPENAPI

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


class SessionApi:
    def __init__(self, services: Services, api_key: str, public_url: str, practice: bool) -> None:
        self.services = services
        self.api_key = api_key
        self.public_url = public_url
        self.practice_enabled = practice

    def routes(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/api/openapi.json", self.openapi)
        r.add_post("/api/sessions", self.guard(self.create))
        r.add_get("/api/sessions", self.guard(self.list))
        r.add_get("/api/sessions/{sid}", self.guard(self.get))
        r.add_post("/api/sessions/{sid}/end", self.guard(self.end))
        r.add_post("/api/sessions/{sid}/cancel", self.guard(self.cancel))
        r.add_get("/api/sessions/{sid}/chat", self.guard(self.chat))
        r.add_get("/api/analytics", self.guard(self.analytics))
        r.add_post("/api/practice", self.practice)

    def guard(self, handler: Handler) -> Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            auth = request.headers.get("Authorization", "")
            given = auth[7:] if auth.startswith("Bearer ") else ""
            if not given or not hmac.compare_digest(given.encode(), self.api_key.encode()):
                return error(401, "unauthorized", "a valid API key is required (Bearer)")
            try:
                return await handler(request)
            except payloads.InvalidPayload as exc:
                return error(400, exc.code, str(exc))
        return guarded

    async def openapi(self, request: web.Request) -> web.Response:
        return web.json_response(OPENAPI)

    def _base(self, request: web.Request) -> str:
        return self.public_url.rstrip("/") or f"{request.scheme}://{request.host}"

    def _created(self, request: web.Request, session: Session,
                 tokens: dict[str, str]) -> dict[str, Any]:
        base = self._base(request)
        out: dict[str, Any] = {"session_id": session.id, "status": session.admin_view()}
        for p in session.participants:
            out[p.role] = {"pid": p.id, "token": tokens[p.role],
                           "join_url": f"{base}/join#token={tokens[p.role]}"}
        return out

    async def _body(self, request: web.Request) -> Any:
        try:
            return await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise payloads.InvalidPayload("the body is not JSON") from None

    async def create(self, request: web.Request) -> web.Response:
        interviewer, interviewee, options, extra, simulated = payloads.create_session(
            await self._body(request))
        session, tokens = await self.services.create(interviewer, interviewee, options,
                                                     simulated, extra)
        return web.json_response(self._created(request, session, tokens), status=201)

    async def list(self, request: web.Request) -> web.Response:
        try:
            limit = min(500, max(1, int(request.query.get("limit", "100"))))
            offset = max(0, int(request.query.get("offset", "0")))
        except ValueError:
            raise payloads.InvalidPayload("limit and offset must be integers") from None
        rows = await self.services.call(self.services.hub.store.list_sessions, limit, offset)
        sessions = []
        for record, simulated, _ in rows:
            live = self.services.live.get(record["session_id"])
            session = live.session if live else Session.from_record(record)
            sessions.append({**session.admin_view(), "simulated": simulated})
        return web.json_response({"sessions": sessions, "limit": limit, "offset": offset})

    async def _live(self, request: web.Request) -> Any:
        live = await self.services.get(request.match_info["sid"])
        if live is None:
            raise web.HTTPNotFound(text=json.dumps(
                {"error": {"code": "not_found", "message": "no such session"}}),
                content_type="application/json")
        return live

    async def get(self, request: web.Request) -> web.Response:
        live = await self._live(request)
        return web.json_response({**live.session.admin_view(), "simulated": live.simulated})

    async def _mutate(self, request: web.Request, fn: Callable[..., list[str]],
                      *args: Any) -> web.Response:
        live = await self._live(request)
        try:
            await self.services.mutate(live, fn, *args)
        except SessionError as exc:
            return error(409, exc.code, str(exc))
        return web.json_response(live.session.admin_view())

    async def end(self, request: web.Request) -> web.Response:
        live = await self._live(request)
        return await self._mutate(request, live.session.end, None)

    async def cancel(self, request: web.Request) -> web.Response:
        live = await self._live(request)
        return await self._mutate(request, live.session.cancel)

    async def chat(self, request: web.Request) -> web.Response:
        live = await self._live(request)
        rows = await self.services.call(self.services.hub.store.chat_after, live.session.id, 0,
                                        100_000)
        return web.json_response({"session_id": live.session.id, "messages": rows})

    async def analytics(self, request: web.Request) -> web.Response:
        from ..analytics.extra import MissingExtraError
        from ..analytics.records import from_session_record

        rows = await self.services.call(self.services.hub.store.all_sessions)
        records = [from_session_record(r, sim) for r, sim, _ in rows]
        include = request.query.get("include_simulated", "true").lower() != "false"
        participant = request.query.get("participant") or None
        try:
            from ..analytics.study import compute

            result = await asyncio.get_running_loop().run_in_executor(
                None, lambda: compute(records, include_simulated=include,
                                      participant=participant))
        except MissingExtraError as exc:
            return error(503, "analytics_unavailable", str(exc))
        return web.json_response(result)

    async def practice(self, request: web.Request) -> web.Response:
        """A practice interview for a server run on its own (the start page's button)."""
        if not self.practice_enabled:
            return error(404, "not_found", "practice sessions are disabled on this server")
        session, tokens = await self.services.create(
            Identity("Practice Interviewer", "interviewer@practice.invalid"),
            Identity("Practice Candidate", "candidate@practice.invalid"),
            SessionOptions(), simulated=False, extra={"practice": True})
        created = self._created(request, session, tokens)
        return web.json_response({"session_id": session.id, "links": {
            role: created[role]["join_url"] for role in ("interviewer", "interviewee")}},
            status=201)
