"""Composition root: builds the aiohttp application from settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

from .adapters.aiohttp_transport import RoomEndpoint
from .adapters.sqlite_store import SqliteStore
from .api.auth import load_api_key
from .api.routes import SessionApi
from .config import Settings, load_secret
from .runtime.hub import Hub
from .runtime.services import Services

HUB = web.AppKey("hub", Hub)
ENDPOINT = web.AppKey("endpoint", RoomEndpoint)
WEB_DIR = Path(__file__).parent / "web"


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def add_web_client(app: web.Application) -> None:
    """The built browser client (clients/web -> collabd/web): index.html at / and /join."""

    async def page(request: web.Request) -> web.FileResponse:
        return web.FileResponse(WEB_DIR / "index.html")

    async def asset(request: web.Request) -> web.FileResponse:
        path = WEB_DIR / request.match_info["name"]
        if not path.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(path)

    app.router.add_get("/", page)
    app.router.add_get("/join", page)
    app.router.add_get(r"/{name:[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.(?:js|css|map|svg|png|ico|txt)}",
                       asset)


def build_app(settings: Settings, services: Services | None = None) -> web.Application:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    secret = load_secret(settings.data_dir)
    store = SqliteStore(settings.data_dir / "collabd.sqlite3", settings.sqlite_synchronous)
    services = services or Services()
    hub = Hub(settings, store, services)
    services.bind(hub, secret)
    api_key = load_api_key(settings.data_dir)
    services.webhook_key = api_key.encode()
    endpoint = RoomEndpoint(hub, secret)

    app = web.Application(client_max_size=settings.limits.max_frame_bytes)
    app[HUB] = hub
    app[ENDPOINT] = endpoint
    app.router.add_get("/healthz", healthz)
    app.router.add_get(r"/rooms/{room:[A-Za-z0-9._~-]{1,128}}", endpoint.handle)
    SessionApi(services, api_key, settings.public_url, settings.practice).routes(app)
    if (WEB_DIR / "index.html").exists():
        add_web_client(app)

    async def lifecycle(app: web.Application) -> Any:
        hub.start()
        await services.start()
        yield
        await services.stop()
        await hub.close()

    async def on_shutdown(app: web.Application) -> None:
        hub.closing = True
        await endpoint.shutdown()

    app.cleanup_ctx.append(lifecycle)
    app.on_shutdown.append(on_shutdown)
    return app
