"""The ASGI application factory and its lifespan."""

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

import lastmile
from lastmile.addresses.choice import configured_geocoders
from lastmile.addresses.views import router as addresses_router
from lastmile.alerts.monitor import FleetMonitor
from lastmile.alerts.sweep import sweep_loop
from lastmile.alerts.views import router as alerts_router
from lastmile.analytics.views import router as analytics_router
from lastmile.api.access_log import redact_access_log
from lastmile.api.body import BodyLimitMiddleware
from lastmile.api.idempotency import IdempotencyMiddleware
from lastmile.api.nul import RefuseNulMiddleware
from lastmile.api.problems import error_response, for_people, install_problem_handlers
from lastmile.api.transactions import TransactionsMiddleware
from lastmile.api.unexpected import AnswerUnexpectedErrors
from lastmile.auth.deps import Principal
from lastmile.auth.recent import RecentlyVerified
from lastmile.auth.views import router as auth_router
from lastmile.billing.invoice_schedule import draft_invoices_loop
from lastmile.billing.views_charges import router as billing_charges_router
from lastmile.billing.views_invoices import router as invoices_router
from lastmile.bus import open_bus
from lastmile.bus.base import corrections_channel, routes_channel, tracks_channel
from lastmile.chat.views import router as chat_router
from lastmile.config import Settings
from lastmile.contact.views import router as contact_router
from lastmile.db import Database
from lastmile.db.contention import is_busy
from lastmile.db.migrate import upgrade
from lastmile.db.outage import reachable
from lastmile.dispatch.driver_context import DriverContexts
from lastmile.dispatch.edit_etas import EditEtas
from lastmile.dispatch.intake_views import router as intake_router
from lastmile.dispatch.stream_scope import stream_scope_for
from lastmile.dispatch.unplanned import on_no_route
from lastmile.dispatch.views import app_network
from lastmile.dispatch.views import router as dispatch_router
from lastmile.driver.address_views import router as driver_address_router
from lastmile.driver.cash_views import router as driver_cash_router
from lastmile.driver.corrections import CorrectionFollower
from lastmile.driver.load_views import router as driver_load_router
from lastmile.driver.outcome_views import router as outcome_router
from lastmile.driver.proof_views import router as driver_proof_router
from lastmile.driver.scheduled import close_days_loop
from lastmile.driver.shift_views import router as driver_shift_router
from lastmile.driver.views import router as driver_router
from lastmile.driver_auth.deps import DriverPrincipal
from lastmile.driver_auth.views import router as driver_auth_router
from lastmile.errors import Busy, Conflict
from lastmile.eta.edits import routes_edited
from lastmile.eta.engine import EtaEngine, load_learned
from lastmile.eta.live import LiveEta, publish_etas
from lastmile.eta.views import router as eta_router
from lastmile.feedback.views import router as feedback_router
from lastmile.fleet.stream import router as fleet_stream_router
from lastmile.fleet.views import router as fleet_router
from lastmile.hubs.views import router as hubs_router
from lastmile.hubs.views import users_router as user_hubs_router
from lastmile.imports.views import router as imports_router
from lastmile.ingest.fast_path import FastPathCounts, FixFastPath
from lastmile.ingest.mqtt import OwnTracksListener
from lastmile.ingest.osmand_port import OSMAND_PATH
from lastmile.ingest.pipeline import build_ingestor
from lastmile.ingest.position_views import router as positions_router
from lastmile.ingest.scheduled import retention_loop
from lastmile.ingest.store import FixStore
from lastmile.ingest.trust_events import hear_trust_restored
from lastmile.ingest.views import router as ingest_router
from lastmile.ingest.writer import BatchWriter
from lastmile.labels.views import router as labels_router
from lastmile.notify.vapid import load_keys
from lastmile.notify.views import public_router as notify_public_router
from lastmile.notify.views import router as notify_router
from lastmile.notify.worker import OutboxWorker
from lastmile.orgsettings.audit_retention import audit_retention_loop
from lastmile.orgsettings.views import router as orgsettings_router
from lastmile.payments.views import router as payments_router
from lastmile.pod.views import router as pod_router
from lastmile.ratelimit.deps import RateLimitMiddleware
from lastmile.ratelimit.limiter import RateLimiter
from lastmile.runtime import tune_garbage_collector
from lastmile.settlement.cod_scheduled import cod_check_loop
from lastmile.settlement.pay_views import router as pay_router
from lastmile.shipments.views import router as shipments_router
from lastmile.trips.views import router as trips_router
from lastmile.web.audit_views import router as audit_router
from lastmile.web.control_tower.views import api as control_tower_api
from lastmile.web.control_tower.views import pages as control_tower_pages
from lastmile.web.driver.views import router as driver_app_router
from lastmile.web.icon.views import router as icon_router
from lastmile.web.map_views import router as map_router
from lastmile.web.security import PageSecurityMiddleware
from lastmile.web.templating import make_templates
from lastmile.web.tracking.messages import router as tracking_messages_router
from lastmile.web.tracking.push import router as tracking_push_router
from lastmile.web.tracking.stream import router as tracking_stream_router
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


async def healthz(request: Request) -> dict[str, object]:
    """Up, or degraded when the database or the bus is unreachable (each named: 200 either
    way, the process itself is fine and must not be restarted for it); on which event
    loop, whether the start-up heap is frozen (see `runtime`), the fix path's followers
    (batches still to follow, done, failures by follower), and this process's fix requests
    taken by the fast path or handed to the app, by reason, and the geocoding service's
    requests and failures by reason."""
    loop = type(asyncio.get_running_loop()).__module__.partition(".")[0]
    ingestor = getattr(request.app.state, "ingestor", None)
    database = await anyio.to_thread.run_sync(reachable, request.app.state.db.engine)
    bus = await request.app.state.bus.reachable()
    return {
        "status": "ok" if database and bus else "degraded",
        "database": "up" if database else "down",
        "bus": "up" if bus else "down",
        "event_loop": loop,
        "heap_frozen": gc.get_freeze_count() > 0,
        "fix_path": ingestor.health() if ingestor is not None else None,
        "fast_path": request.app.state.fast_path.as_dict(),
        "rate_limits": request.app.state.rate_limiter.health(),
        "geocoder": request.app.state.geocoders.health(),
    }


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
    def docs(request: Request) -> HTMLResponse:
        """Swagger UI, started by a script file: the pages' CSP runs no inline script."""
        page: HTMLResponse = request.app.state.templates.TemplateResponse(request, "docs.html")
        return page


WEB = Path(__file__).parent / "web"
PAGES = ("tracking", "control_tower", "driver", "maps", "docs")
"""Folders under web/ whose `static/` is served at /static/<folder, dashed>; `maps` is shared."""
VENDOR_PACKAGES = {"leaflet": "dist", "chart.js": "dist"}
"""npm packages our pages load, and the folder of each that is served under /vendor/<name>."""


def _mount_static(app: FastAPI, vendor: Path | None) -> None:
    """Our pages' own scripts and styles, and the npm libraries they use (never a CDN)."""
    for page in PAGES:
        app.mount(
            f"/static/{page.replace('_', '-')}",
            StaticFiles(directory=WEB / page / "static"),
            name=f"{page}-static",
        )
    for package, folder in VENDOR_PACKAGES.items():
        found = vendor / package / folder if vendor else None
        if found is not None and found.is_dir():
            app.mount(f"/vendor/{package}", StaticFiles(directory=found), name=package)
        else:
            log.warning(
                "%s is not installed (run `npm ci`): pages that use it will not work", package
            )


FOLLOWERS_SHUTDOWN_S = 10.0
"""How long a stopping server waits for the fix path's followers (ETA, alerts) to catch up."""


def serving_app() -> FastAPI:
    """The app as `lastmile serve --workers N` starts it in each process (a uvicorn factory)."""
    return create_app(freeze_heap=True)


def _retry_later(detail: str) -> JSONResponse:
    """503 Busy with `Retry-After: 1`: nothing was changed, the same request may come again."""
    response = error_response(Busy(detail))
    response.headers["Retry-After"] = "1"
    return response


def create_app(
    settings: Settings | None = None, database: Database | None = None, *, freeze_heap: bool = False
) -> FastAPI:
    """The app; given no database it opens the configured one and migrates it at start-up.

    `freeze_heap` is for a process that serves this one app for its lifetime: once started,
    its heap is frozen out of the garbage collector (unless `LASTMILE_GC_FREEZE=false`). An
    app made in a process that makes many (tests, embedding) must not pin every one of them.
    """
    settings = settings or Settings()
    settings.check_production_ready()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redact_access_log()  # the server configured its logging before starting the app
        owned = database is None
        if owned:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            app.state.db = Database.from_url(settings.resolved_database_url)
            upgrade(app.state.db.engine)
        load_keys(settings)  # a bad VAPID key stops the server now, naming the setting
        app.state.bus = open_bus(settings.bus_url)
        writer = BatchWriter(FixStore(app.state.db), wait_s=settings.ingest_batch_wait_s)
        app.state.eta_engine = EtaEngine(
            load_learned(settings.eta_model_path or settings.data_dir / "eta_model.json"),
            open_network=lambda: app_network(app),
        )
        app.state.edit_etas = EditEtas(
            refresh=partial(routes_edited, engine=app.state.eta_engine), publish=publish_etas
        )
        contexts = DriverContexts(app.state.db)
        app.state.ingestor = build_ingestor(
            settings,
            database=app.state.db,
            bus=app.state.bus,
            writer=writer,
            eta=LiveEta(
                database=app.state.db,
                bus=app.state.bus,
                engine=app.state.eta_engine,
                contexts=contexts,
                min_interval_s=settings.eta_min_interval_s,
            ),
            alerts=FleetMonitor(app.state.db, app.state.bus, contexts),
        )
        await writer.start()
        route_changes = asyncio.create_task(
            contexts.hear_route_changes(await app.state.bus.subscribe(routes_channel())),
            name="route-changes",
        )
        app.state.corrections = CorrectionFollower(
            database=app.state.db,
            bus=app.state.bus,
            engine=app.state.eta_engine,
            network=lambda: app_network(app),
        )
        await app.state.corrections.catch_up()  # what a killed process left to re-time
        corrections = asyncio.create_task(
            app.state.corrections.hear(await app.state.bus.subscribe(corrections_channel())),
            name="corrections",
        )
        trust_restored = asyncio.create_task(
            hear_trust_restored(
                await app.state.bus.subscribe(tracks_channel()), app.state.ingestor.stages
            ),
            name="trust-restored",
        )
        retention = alert_sweep = day_close = audit_retention = None
        cod_check = invoice_drafts = None
        if settings.run_workers:
            audit_retention = asyncio.create_task(
                audit_retention_loop(app.state.db), name="audit-retention"
            )
            retention = asyncio.create_task(
                retention_loop(writer.store, retention_days=settings.fix_retention_days),
                name="fix-retention",
            )
            alert_sweep = asyncio.create_task(
                sweep_loop(app.state.db, app.state.bus, every_s=settings.alert_sweep_s),
                name="alert-sweep",
            )
            day_close = asyncio.create_task(
                close_days_loop(app.state.db, app.state.bus), name="close-ended-days"
            )
            cod_check = asyncio.create_task(
                cod_check_loop(app.state.db, app.state.bus), name="cod-end-of-day-count"
            )
            invoice_drafts = asyncio.create_task(
                draft_invoices_loop(app.state.db), name="invoice-drafts"
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
        notifier = None
        if settings.run_workers:
            notifier = asyncio.create_task(
                OutboxWorker(database=app.state.db, settings=settings).run(), name="notify-outbox"
            )
        if freeze_heap and settings.gc_freeze:
            tune_garbage_collector()
        try:
            yield
        finally:
            tasks = (
                retention,
                audit_retention,
                alert_sweep,
                day_close,
                cod_check,
                invoice_drafts,
                listener,
                notifier,
                route_changes,
                corrections,
                trust_restored,
            )
            for task in tasks:
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(app.state.ingestor.settled(), FOLLOWERS_SHUTDOWN_S)
            await writer.stop()
            await app.state.bus.close()
            await app.state.rate_limiter.close()
            app.state.geocoders.close()  # the next use, if any, opens it again
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
    app.state.verified_keys = RecentlyVerified[Principal]()
    app.state.verified_drivers = RecentlyVerified[DriverPrincipal]()
    app.state.fast_path = FastPathCounts()
    app.state.hub_stream_filter = stream_scope_for
    app.state.orders_attention = on_no_route
    app.state.rate_limiter = RateLimiter(settings)
    app.state.geocoders = configured_geocoders(settings)  # opened at first use, closed at stop
    if database is not None:
        app.state.db = database

    install_problem_handlers(app)

    def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        log.info("integrity conflict: %s", exc.orig)
        return error_response(Conflict("a concurrent change conflicted with this one: retry"))

    def _busy(request: Request, exc: OperationalError) -> JSONResponse:
        if not is_busy(exc):
            raise exc
        # Only after `TransactionsMiddleware` ran the request again, or could not (it committed).
        log.warning("SQLite stayed busy beyond the busy timeout and the request's retries")
        return _retry_later("the database is busy with another change: retry")

    def _pool_exhausted(request: Request, exc: PoolTimeout) -> JSONResponse:
        log.warning("every database connection stayed in use: the request was refused to retry")
        return _retry_later("every database connection is in use: retry")

    app.add_exception_handler(IntegrityError, for_people(_integrity))
    app.add_exception_handler(OperationalError, for_people(_busy))
    app.add_exception_handler(PoolTimeout, for_people(_pool_exhausted))

    app.add_middleware(TransactionsMiddleware)  # innermost: a retry stays within one claimed key
    app.add_middleware(
        IdempotencyMiddleware,
        ttl_s=settings.idempotency_ttl_s,
        lease_s=settings.idempotency_lease_s,
    )
    app.add_middleware(RefuseNulMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(AnswerUnexpectedErrors)  # inside the page headers, which its pages need
    app.add_middleware(PageSecurityMiddleware, settings=settings)
    app.add_middleware(FixFastPath, counts=app.state.fast_path)  # skips the rest
    app.add_middleware(  # outermost: a refused request costs nothing more
        RateLimitMiddleware,
        paths={"/t/": lambda rules: rules.tracking_ip, OSMAND_PATH: lambda rules: rules.osmand_ip},
    )

    routers = (  # the phones' endpoints first: every request tries the routes in this order
        ingest_router,
        auth_router,
        hubs_router,
        user_hubs_router,
        outcome_router,
        intake_router,
        shipments_router,
        fleet_router,
        positions_router,
        fleet_stream_router,
        dispatch_router,
        trips_router,
        tracking_router,
        tracking_stream_router,
        tracking_push_router,
        tracking_messages_router,
        feedback_router,
        orgsettings_router,
        alerts_router,
        audit_router,
        analytics_router,
        control_tower_api,
        control_tower_pages,
        eta_router,
        notify_router,
        notify_public_router,
        driver_auth_router,
        driver_router,
        driver_shift_router,
        driver_load_router,
        driver_proof_router,
        pod_router,
        map_router,
        addresses_router,
        driver_cash_router,
        driver_address_router,
        payments_router,
        pay_router,
        billing_charges_router,
        chat_router,
        contact_router,
        invoices_router,
        imports_router,
        labels_router,
        driver_app_router,
        icon_router,
    )
    for router in routers:
        app.include_router(router)

    # A module-level endpoint: FastAPI caches what it learns about each endpoint and
    # dependency callable, so a closure over `app` would keep every app ever built alive.
    app.add_api_route("/healthz", healthz, methods=["GET"], include_in_schema=False)

    vendor = find_vendor_dir(settings)
    _mount_docs(app, vendor)
    _mount_static(app, vendor)
    return app
