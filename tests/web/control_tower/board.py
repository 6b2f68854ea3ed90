"""The scene of the Control Tower's browser tests: a dispatcher's organisation whose driver is
out on a route, and the dispatcher's signed-in page."""

from dataclasses import dataclass, field

import httpx
from playwright.sync_api import Browser, Page
from testkit.browser import LiveServer, sign_in
from tests.common import DISPATCHER_EMAIL, DISPATCHER_PASSWORD, OrgHandle, make_dispatcher, make_org
from tests.driver_app import DriverDay, make_driver_day, start_the_day
from tests.driver_app import sign_in as driver_sign_in


@dataclass
class DriverOnRoute:
    """Dana's organisation and its driver, signed in to the app, on shift, route started."""

    org: OrgHandle
    api: httpx.Client
    """The organisation's API key on the live server; close it when done."""
    day: DriverDay


@dataclass
class BoardPage:
    """The Control Tower signed in as Dana, and the script errors it raised so far."""

    page: Page
    errors: list[str] = field(default_factory=list)


def dispatcher_org(live_server: LiveServer) -> OrgHandle:
    org = make_org(live_server.db, "Helsinki Express")
    make_dispatcher(live_server.db, org)
    return org


def driver_on_route(live_server: LiveServer) -> DriverOnRoute:
    """A new organisation with Dana, and a driver out on a route of three stops (no COD)."""
    org = dispatcher_org(live_server)
    api = httpx.Client(base_url=live_server.url, headers=org.headers, timeout=30)
    day = driver_sign_in(api, make_driver_day(api, live_server.db, org, cod_on=None))
    return DriverOnRoute(org, api, start_the_day(api, day))


def open_board(browser: Browser, live_server: LiveServer) -> BoardPage:
    """Dana's Control Tower on a desktop screen, watched for script errors."""
    board = BoardPage(browser.new_page(viewport={"width": 1280, "height": 800}))
    board.page.on("pageerror", lambda error: board.errors.append(str(error)))
    sign_in(board.page, live_server.url, email=DISPATCHER_EMAIL, password=DISPATCHER_PASSWORD)
    return board
