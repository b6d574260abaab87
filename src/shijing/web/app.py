"""The application factory: one FastAPI app serving the API under /api/v1 and the pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from redis import Redis
from sqlalchemy import text

from shijing import __version__
from shijing import wiring as _wiring  # noqa: F401  (every subscriber and due step)
from shijing.accounts.api import router as accounts_router
from shijing.accounts.passwords import Passwords
from shijing.accounts.ratelimit import (
    FailureStore,
    LoginRateLimiter,
    MemoryFailureStore,
    RedisFailureStore,
)
from shijing.commerce.wiring import ROUTERS as COMMERCE_ROUTERS
from shijing.core.clock import Clock, SystemClock
from shijing.core.db import Database
from shijing.core.deadlines import run_due
from shijing.core.http import DbSession
from shijing.core.outbox import Dispatcher
from shijing.core.settings import Settings, get_settings
from shijing.guarantees.api import router as guarantees_router
from shijing.integrity.api import router as integrity_router
from shijing.trust.api import router as trust_router
from shijing.web.csrf import CookieApiCsrfMiddleware
from shijing.web.errors import install_error_handlers
from shijing.web.live import bridge
from shijing.web.live.hub import Hub
from shijing.web.live.ws import ViewerCounts
from shijing.web.live.ws import router as live_socket
from shijing.web.middleware import RequestIdMiddleware
from shijing.web.pages.auth import router as auth_pages
from shijing.web.pages.certificates import router as certificate_pages
from shijing.web.pages.creator import router as creator_pages
from shijing.web.pages.live import router as live_pages
from shijing.web.pages.me import router as me_pages
from shijing.web.pages.merchant import router as merchant_pages
from shijing.web.pages.ops import router as ops_pages
from shijing.web.pages.orders import router as order_pages
from shijing.web.pages.shop import router as shop_pages

STATIC_DIR = Path(__file__).resolve().parent / "static"


def api_router() -> APIRouter:
    """Every domain's API under /api/v1."""
    router = APIRouter(prefix="/api/v1")
    router.include_router(accounts_router)
    for domain_router in COMMERCE_ROUTERS:
        router.include_router(domain_router)
    router.include_router(integrity_router)
    router.include_router(trust_router)
    router.include_router(guarantees_router)
    return router


def create_app(
    settings: Settings | None = None,
    *,
    db: Database | None = None,
    clock: Clock | None = None,
    redis: Redis[bytes] | None = None,
    background: bool = False,
) -> FastAPI:
    """Build the app. ``background`` runs the outbox dispatcher and due deadlines in-process
    (the embedded default); otherwise `shijing worker` does that work."""
    settings = settings or get_settings()
    db = db or Database.from_url(settings.database_url)
    clock = clock or SystemClock()
    if redis is None and settings.redis_url:
        redis = Redis.from_url(settings.redis_url)
    store: FailureStore = (
        RedisFailureStore(redis) if redis is not None else MemoryFailureStore(clock)
    )
    dispatcher = Dispatcher(db, clock)
    hub = Hub(settings.redis_url)
    viewer_counts = ViewerCounts(hub)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await hub.start()
        viewer_counts.start()
        bridge.attach(hub)  # before the dispatcher: no event is delivered to a room-less process
        if background:
            dispatcher.start(settings.dispatcher_poll_seconds, on_idle=lambda: run_due(db, clock))
        try:
            yield
        finally:
            if background:
                dispatcher.stop()
            bridge.detach(hub)
            await viewer_counts.stop()
            await hub.stop()

    app = FastAPI(
        title="Shijing API",
        version=__version__,
        description="Trust-first live commerce: measured, promised, enforced, rewarded.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.clock = clock
    app.state.redis = redis
    app.state.dispatcher = dispatcher
    app.state.hub = hub
    app.state.viewer_counts = viewer_counts
    app.state.passwords = Passwords(
        time_cost=settings.password_time_cost, memory_kib=settings.password_memory_kib
    )
    app.state.login_limiter = LoginRateLimiter(
        store,
        per_account=settings.login_max_failures,
        per_client=settings.login_max_failures * 4,
        window_seconds=settings.login_window_seconds,
    )

    install_error_handlers(app)
    app.add_middleware(CookieApiCsrfMiddleware, secret=settings.secret_key)
    app.add_middleware(RequestIdMiddleware)

    @app.get("/healthz", tags=["ops"])
    def healthz(session: DbSession) -> dict[str, Any]:
        """Liveness and database reachability."""
        session.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__, "database": db.dialect}

    app.include_router(api_router())
    app.include_router(auth_pages)
    app.include_router(shop_pages)
    app.include_router(live_pages)
    app.include_router(creator_pages)
    app.include_router(order_pages)
    app.include_router(me_pages)
    app.include_router(merchant_pages)
    app.include_router(certificate_pages)
    app.include_router(ops_pages)
    app.include_router(live_socket)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
