"""Composition root: builds the aiohttp application from settings."""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import Any

from aiohttp import web

from .adapters.aiohttp_transport import RoomEndpoint
from .adapters.http_server import ADMISSION
from .adapters.sqlite_store import SqliteStore
from .api.auth import load_api_key
from .api.payloads import Health
from .api.routes import SessionApi, answer, unavailable_store
from .config import Settings, load_secret, private_dir
from .metrics import Metrics
from .ports import Store, StoreError
from .runtime.hub import Hub
from .runtime.services import Services

HUB = web.AppKey("hub", Hub)
ENDPOINT = web.AppKey("endpoint", RoomEndpoint)
WEB_DIR = Path(__file__).parent / "web"
log = logging.getLogger("collabd.app")

NO_BUNDLE_PAGE = """<!doctype html>
<html lang="en"><meta charset="utf-8"><title>collabd: web client not built</title>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>The web client is not installed</h1>
<p>This collabd server runs, but its package has no built browser client
(<code>collabd/web/index.html</code> is missing), so join links cannot open here.</p>
<p>Install collabd from a wheel (it carries the client), or build it from a clone:
<code>cd clients/web &amp;&amp; npm ci &amp;&amp; npm run build</code> (or run
<code>scripts/setup.sh</code>), then restart the server. The REST API and the WebSocket rooms
work without it.</p>
</body></html>
"""


async def healthz(request: web.Request) -> web.Response:
    """200 {"ok": true}; 503 with the reason while the store's checkpoints fail (the hot log
    is not reaching SQLite: updates pile up in memory, then are refused)."""
    persistence = request.app[HUB].persistence
    stalled = persistence.stalled()
    if stalled:
        return answer({"ok": False, "store": f"checkpoints failing for {stalled:.0f} s: "
                       f"{persistence.checkpoint_error}"}, Health, 503)
    return answer({"ok": True}, Health)


def frame_headers(ancestors: tuple[str, ...]) -> dict[str, str]:
    """Who may frame the web pages (Settings.frame_ancestors). X-Frame-Options only where it
    says the same thing: DENY with no ancestors (browsers without CSP level 2); its ALLOW-FROM
    is honoured by no current browser, so a list is said by the CSP alone."""
    if not ancestors:
        return {"Content-Security-Policy": "frame-ancestors 'none'", "X-Frame-Options": "DENY"}
    return {"Content-Security-Policy": "frame-ancestors " + " ".join(ancestors)}


def embed_page(index: bytes, ancestors: tuple[str, ...]) -> bytes:
    """index.html telling the room page which parent origins get its events (embed.js)."""
    if not ancestors:
        return index
    meta = (f'<meta name="collabd-frame-ancestors" '
            f'content="{html.escape(" ".join(ancestors))}">').encode()
    return index.replace(b"<head>", b"<head>\n  " + meta, 1)


def add_web_client(app: web.Application, ancestors: tuple[str, ...] = ()) -> None:
    """The built browser client (clients/web -> collabd/web): index.html at / and /join."""
    headers = frame_headers(ancestors)
    body = embed_page((WEB_DIR / "index.html").read_bytes(), ancestors)

    async def page(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="text/html", charset="utf-8",
                            headers=headers)

    async def asset(request: web.Request) -> web.FileResponse:
        path = WEB_DIR / request.match_info["name"]
        if not path.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(path)

    app.router.add_get("/", page)
    app.router.add_get("/join", page)
    app.router.add_get(r"/{name:[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.(?:js|mjs|css|map|svg|png|ico|txt|wasm|zip|json)}",
                       asset)


def add_missing_web_client(app: web.Application, ancestors: tuple[str, ...] = ()) -> None:
    """No bundle: say so at start, and explain it at / and /join instead of a bare 404."""
    headers = frame_headers(ancestors)

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=NO_BUNDLE_PAGE, status=503, content_type="text/html",
                            headers=headers)

    app.router.add_get("/", page)
    app.router.add_get("/join", page)


def open_store(settings: Settings) -> Store:
    """PostgreSQL when settings.database names one, else the embedded SQLite store."""
    if settings.database:
        try:
            from .adapters.postgres_store import PostgresStore
        except ImportError as exc:  # psycopg comes with the `postgres` extra
            raise StoreError("a PostgreSQL store needs the postgres extra: "
                             f"pip install 'collabd[postgres]' ({exc})") from None
        return PostgresStore(settings.database)
    return SqliteStore(settings.data_dir / "collabd.sqlite3", settings.sqlite_synchronous)


def build_app(settings: Settings, services: Services | None = None) -> web.Application:
    private_dir(settings.data_dir)
    secret = load_secret(settings.data_dir)
    store = open_store(settings)
    cluster = None
    middlewares: list[Any] = [unavailable_store()]
    health: Any = healthz
    if settings.redis:  # a node of a cluster (docs/cluster.md); else embedded, one process
        from .cluster import http as cluster_http
        from .cluster.node import Cluster
        from .cluster.services import ClusterServices

        cluster = Cluster(settings, secret)
        services = services or ClusterServices(cluster)
        assert isinstance(services, ClusterServices)
        middlewares.append(cluster_http.forwarding(services, load_api_key(settings.data_dir)))
        health = cluster_http.healthz(services)
    services = services or Services()
    hub = Hub(settings, store, services)
    services.bind(hub, secret)
    api_key = load_api_key(settings.data_dir)
    services.webhook_key = api_key.encode()
    endpoint = RoomEndpoint(hub, secret, cluster)

    app = web.Application(client_max_size=settings.limits.max_frame_bytes,
                          middlewares=middlewares)
    app[HUB] = hub
    app[ENDPOINT] = endpoint
    app[ADMISSION] = endpoint  # trusted proxies, open WebSockets: for the connection guard
    app.router.add_get("/healthz", health)
    app.router.add_get(r"/rooms/{room:[A-Za-z0-9._~-]{1,128}}", endpoint.handle)
    metrics = Metrics(hub, services)
    SessionApi(services, api_key, settings.public_url, settings.practice,
               metrics.handle).routes(app)
    if (WEB_DIR / "index.html").exists():
        add_web_client(app, settings.frame_ancestors)
    else:
        add_missing_web_client(app, settings.frame_ancestors)

    async def lifecycle(app: web.Application) -> Any:
        if not (WEB_DIR / "index.html").exists():
            log.warning("web client not built: / explains how to build it",
                        extra={"missing": str(WEB_DIR / "index.html")})
        hub.start()
        await services.start()
        yield
        await services.stop()
        await hub.close()
        if cluster is not None:
            await cluster.close()

    async def on_shutdown(app: web.Application) -> None:
        hub.closing = True
        await endpoint.shutdown()

    app.cleanup_ctx.append(lifecycle)
    app.on_shutdown.append(on_shutdown)
    return app
