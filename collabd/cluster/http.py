"""HTTP in cluster mode: session mutations go to the node that owns the session's room, and
/healthz says whether this node can serve (Redis and the store both answer).

The node that receives a mutation checks the embedder's API key itself, then forwards the
request to the owner with a forwarding proof (node.py: bound to the method and path,
short-lived, good once) instead of the key: the key never leaves the node it was sent to, and
the owner takes the proof as the key's check."""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web

from .node import FORWARD_HEADER, ClusterUnavailable
from .proxy import unavailable
from .services import NotOwner

if TYPE_CHECKING:
    from .services import ClusterServices

log = logging.getLogger("collabd.cluster.http")

# the REST calls that change a session (collabd/api/routes.py)
MUTATION = re.compile(r"^/api/sessions/([^/]+)/(end|cancel)$")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def forwarding(services: ClusterServices, api_key: str) -> Callable[
        [web.Request, Handler], Awaitable[web.StreamResponse]]:
    from ..api.routes import FORWARDED, error

    cluster = services.cluster

    @web.middleware
    async def forward(request: web.Request, handler: Handler) -> web.StreamResponse:
        m = MUTATION.match(request.path)
        if m is None or request.method != "POST":
            return await handler(request)
        sid = m.group(1)
        forwarded = cluster.is_forwarded(request.headers, request.path_qs, request.method)
        try:
            owner = await cluster.route(sid)
        except ClusterUnavailable:
            return unavailable("the cluster cannot be reached, retry later")
        if owner is not None:
            if forwarded:  # never forward twice: the lease moved meanwhile
                return unavailable("the session is moving between nodes, retry")
            auth = request.headers.get("Authorization", "")
            given = auth[7:] if auth.startswith("Bearer ") else ""
            if not given or not hmac.compare_digest(given.encode(), api_key.encode()):
                return error(401, "unauthorized", "a valid API key is required (Bearer)")
            return await relay(request, owner,
                               cluster.proof(request.path_qs, request.method))
        request[FORWARDED] = forwarded  # the API takes a member's proof as the key's check
        try:
            return await handler(request)
        except NotOwner:
            return unavailable("the session moved to another node, retry")
        finally:
            await services.after_request(sid)

    return forward


async def relay(request: web.Request, owner: str, proof: str) -> web.StreamResponse:
    # not the Authorization header: the embedder's key stays on the node it was sent to
    headers = {k: v for k, v in request.headers.items()
               if k.lower() in ("content-type", "accept")}
    headers[FORWARD_HEADER] = proof
    body = await request.read()
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(10)) as http, \
                http.request(request.method, owner + request.path_qs, data=body,
                             headers=headers) as r:
            return web.Response(status=r.status, body=await r.read(),
                                content_type=r.content_type)
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("owner unreachable", extra={"owner": owner, "error": str(exc)})
        return unavailable("the session's node cannot be reached, retry later")


def healthz(services: ClusterServices) -> Handler:
    from ..api.payloads import Health
    from ..api.routes import answer

    async def handle(request: web.Request) -> web.Response:
        ready = services.cluster.ready
        return answer({"ok": ready}, Health, 200 if ready else 503)

    return handle
