"""The ASGI application factory and its lifespan."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import IntegrityError

import lastmile
from lastmile.api.body import BodyLimitMiddleware
from lastmile.api.idempotency import IdempotencyMiddleware
from lastmile.api.nul import RefuseNulMiddleware
from lastmile.api.problems import error_response, install_problem_handlers
from lastmile.auth.views import router as auth_router
from lastmile.bus import open_bus
from lastmile.config import Settings
from lastmile.db import Database
from lastmile.db.migrate import upgrade
from lastmile.dispatch.views import router as dispatch_router
from lastmile.errors import Conflict
from lastmile.fleet.stream import router as fleet_stream_router
from lastmile.fleet.views import router as fleet_router
from lastmile.hubs.views import router as hubs_router
from lastmile.ingest.mqtt import OwnTracksListener
from lastmile.ingest.scheduled import retention_loop
from lastmile.ingest.service import Ingestor, build_pipeline
from lastmile.ingest.store import FixStore
from lastmile.ingest.views import router as ingest_router
from lastmile.ingest.writer import BatchWriter
from lastmile.shipments.views import router as shipments_router
from lastmile.trips.views import router as trips_router
from lastmile.web.templating import make_templates
from lastmile.web.tracking.views import router as tracking_router

log = logging.getLogger(__name__)

SWAGGER_FILES = ("swagger-ui-bundle.js", "swagger-ui.css")


def find_vendor_dir(settings: Settings) -> Path | None:
    """Where npm put the front-end packages: the setting, else `node_modules` above us."""
    if settings.vendor_dir is not None:
        return settings.vendor_dir
    for parent in Path(lastmile.__file__).resolve().parents:
        candidate = parent / "node_modules"
        if candidate.is_dir():
            return candidate
    return None


def _mount_docs(app: FastAPI, vendor: Path | None) -> None:
    swagger = vendor / "swagger-ui-dist" if vendor else None
    if swagger is None or not all((swagger / name).is_file() for name in SWAGGER_FILES):
        log.warning("swagger-ui-dist is not installed (run `npm ci`): /docs shows the raw schema")

        @app.get("/docs", include_in_schema=False)
        def docs_without_ui() -> HTMLResponse:
            return HTMLResponse(
                "<p>Interactive docs need <code>npm ci</code>; the schema is at "
                '<a href="/openapi.json">/openapi.json</a>.</p>'
            )

        return
    app.mount("/vendor/swagger-ui", StaticFiles(directory=swagger), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Lastmile API",
            swagger_js_url="/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/vendor/swagger-ui/favicon-32x32.png",
        )


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """The app; given no database it opens the configured one and migrates it at start-up."""
    settings = settings or Settings()
    settings.check_production_ready()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = database is None
        if owned:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            app.state.db = Database.from_url(settings.resolved_database_url)
            upgrade(app.state.db.engine)
        app.state.bus = open_bus(settings.bus_url)
        writer = BatchWriter(FixStore(app.state.db), wait_s=settings.ingest_batch_wait_s)
        app.state.ingestor = Ingestor(
            database=app.state.db,
            pipeline=build_pipeline(settings),
            writer=writer,
            bus=app.state.bus,
        )
        await writer.start()
        retention = asyncio.create_task(
            retention_loop(writer.store, retention_days=settings.fix_retention_days),
            name="fix-retention",
        )
        listener = None
        if settings.mqtt_url:
            listener = asyncio.create_task(
                OwnTracksListener(
                    url=settings.mqtt_url,
                    ingestor=app.state.ingestor,
                    max_future_s=settings.ingest_max_future_s,
                ).run(),
                name="owntracks-mqtt",
            )
        try:
            yield
        finally:
            for task in (retention, listener):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            await writer.stop()
            await app.state.bus.close()
            if owned:
                app.state.db.engine.dispose()

    app = FastAPI(
        title="Lastmile",
        version=lastmile.__version__,
        summary="Last-mile delivery tracking: shipments, live GPS, routes, ETAs, tracking pages.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.templates = make_templates()
    if database is not None:
        app.state.db = database

    install_problem_handlers(app)

    @app.exception_handler(IntegrityError)
    def _integrity(request: object, exc: IntegrityError) -> object:
        log.info("integrity conflict: %s", exc.orig)
        return error_response(Conflict("a concurrent change conflicted with this one: retry"))

    app.add_middleware(IdempotencyMiddleware, ttl_s=settings.idempotency_ttl_s)
    app.add_middleware(RefuseNulMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)

    routers = (
        auth_router,
        hubs_router,
        shipments_router,
        fleet_router,
        fleet_stream_router,
        ingest_router,
        dispatch_router,
        trips_router,
        tracking_router,
    )
    for router in routers:
        app.include_router(router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    _mount_docs(app, find_vendor_dir(settings))
    return app
