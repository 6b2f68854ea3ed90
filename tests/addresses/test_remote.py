"""The Nominatim and Photon adapter against a real local HTTP server: recorded answers
(see recorded/README.md), a service that times out and one that answers 429."""

import contextlib
import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from testkit.bodies import shipment_body
from tests.addresses.services import Asked, Reply, Service, recorded, serve
from tests.common import OrgHandle

from lastmile.addresses import choice, nominatim, photon
from lastmile.addresses.foreign import Dialect
from lastmile.addresses.quality import assess
from lastmile.addresses.remote import HttpGeocoder, RemoteSettings
from lastmile.addresses.throttle import Throttle
from lastmile.addresses.types import NoAnswer, Precision
from lastmile.app import create_app
from lastmile.config import Settings
from lastmile.db import Database
from lastmile.geo import haversine_m


def _nominatim(asked: Asked) -> Reply:
    if asked.path == "/search":
        return recorded("nominatim_search.json")
    if float(asked.params["lat"]) > 50:
        return recorded("nominatim_reverse.json")
    return recorded("nominatim_reverse_nothing.json")


def _photon(asked: Asked) -> Reply:
    return recorded("photon_search.json" if asked.path == "/api" else "photon_reverse.json")


def _too_many(asked: Asked) -> Reply:
    return Reply(429, b'{"error": "Too Many Requests"}', {"Retry-After": "120"})


@pytest.fixture
def geocoders() -> Iterator[list[HttpGeocoder]]:
    made: list[HttpGeocoder] = []
    yield made
    for geocoder in made:
        geocoder.close()


def _adapter(
    made: list[HttpGeocoder], service: Service, dialect: Dialect, **settings: float
) -> HttpGeocoder:
    values = {"min_interval_s": 0.0, "timeout_s": 2.0, **settings}
    geocoder = HttpGeocoder(dialect, RemoteSettings(url=service.url, **values))
    made.append(geocoder)
    return geocoder


def test_nominatim_search_reads_jsonv2_and_finds_the_door(
    geocoders: list[HttpGeocoder],
) -> None:
    with serve(Service(_nominatim)) as service:
        geocoder = _adapter(geocoders, service, nominatim.DIALECT)
        best, street = geocoder.geocode("Mannerheimintie 5, Helsinki", country="FI")
    assert (best.precision, best.label) == (Precision.ADDRESS, "Mannerheimintie 5")
    assert haversine_m(best.lat, best.lon, 60.1691522, 24.9397851) < 0.5
    assert best.matched.postcode == "00100"
    assert street.precision is Precision.STREET
    quality = assess("Mannerheimintie 5, Helsinki", [best, street])
    assert (quality.score, quality.reasons) == (100, ())
    (asked,) = service.asked
    assert asked.path == "/search"
    assert asked.params["format"] == "jsonv2"
    assert asked.params["addressdetails"] == "1"
    assert asked.params["countrycodes"] == "fi"
    assert asked.headers["user-agent"].startswith("Lastmile/")


def test_a_text_without_a_number_is_a_street_whatever_door_the_service_picks(
    geocoders: list[HttpGeocoder],
) -> None:
    with serve(Service(_nominatim)) as service:
        found = _adapter(geocoders, service, nominatim.DIALECT).geocode("Mannerheimintie")
    assert {c.precision for c in found} == {Precision.STREET}
    assert [r.code.value for r in assess("Mannerheimintie", found).reasons] == ["no_house_number"]


def test_nominatim_reverse_answers_the_house_or_none(geocoders: list[HttpGeocoder]) -> None:
    with serve(Service(_nominatim)) as service:
        geocoder = _adapter(geocoders, service, nominatim.DIALECT)
        door = geocoder.reverse(60.16915, 24.93978)
        nothing = geocoder.reverse(10.0, 10.0)
    assert door is not None
    assert door.label == "Mannerheimintie 5"
    assert nothing is None
    assert geocoder.failures == {}


def test_photon_search_and_reverse_read_geojson(geocoders: list[HttpGeocoder]) -> None:
    with serve(Service(_photon)) as service:
        geocoder = _adapter(geocoders, service, photon.DIALECT)
        found = geocoder.geocode("Mäkelänk. 12 B, Helsinki", country="fi")
        door = geocoder.reverse(60.1951, 24.9525)
        elsewhere = geocoder.geocode("Mäkelänkatu 12 B", country="se")
    assert [(c.precision, c.label) for c in found] == [
        (Precision.ADDRESS, "Mäkelänkatu 12 B"),
        (Precision.STREET, "Mäkelänkatu"),
    ]
    assert found[0].score >= 0.9
    assert door is not None
    assert door.matched.housenumber == "12 B"
    assert elsewhere == []  # Photon takes no country: places of another one are dropped
    assert [a.path for a in service.asked] == ["/api", "/reverse", "/api"]


def test_answers_are_cached(geocoders: list[HttpGeocoder]) -> None:
    with serve(Service(_nominatim)) as service:
        geocoder = _adapter(geocoders, service, nominatim.DIALECT)
        first = geocoder.geocode_many(["Mannerheimintie 5", "mannerheimintie  5"])
        again = geocoder.geocode("Mannerheimintie 5")
    assert first[0] == first[1] == again
    assert len(service.asked) == 1


def test_a_service_that_times_out_gives_no_candidates_counted(
    geocoders: list[HttpGeocoder],
) -> None:
    with serve(Service(_nominatim, hang=threading.Event())) as service:
        geocoder = _adapter(geocoders, service, nominatim.DIALECT, timeout_s=0.2)
        found = geocoder.geocode("Mannerheimintie 5")
    assert isinstance(found, NoAnswer)
    assert found == []
    assert "did not answer" in found.reason
    assert geocoder.failures == {"timeout": 1}


def test_a_429_is_honoured_until_its_retry_after(geocoders: list[HttpGeocoder]) -> None:
    with serve(Service(_too_many)) as service:
        geocoder = _adapter(geocoders, service, nominatim.DIALECT, max_wait_s=1.0)
        first = geocoder.geocode("Mannerheimintie 5")
        second = geocoder.geocode("Mäkelänkatu 12")
        nowhere = geocoder.reverse(60.17, 24.94)
    assert isinstance(first, NoAnswer)
    assert isinstance(second, NoAnswer)
    assert nowhere is None
    assert len(service.asked) == 1  # nothing more was sent during the Retry-After
    assert geocoder.failures == {"rate_limited": 1, "throttled": 2}
    assert geocoder.health()["blocked_for_s"] > 100


def test_the_throttle_spaces_requests_and_refuses_a_wait_too_long() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    throttle = Throttle(1.0, clock=lambda: now[0], sleep=sleep)
    assert throttle.acquire(5.0)
    assert throttle.acquire(5.0)
    assert slept == [1.0]
    assert not throttle.acquire(0.5)  # its slot is a second away
    throttle.back_off(30.0)
    assert not throttle.acquire(10.0)
    assert throttle.acquire(31.0)
    assert slept == [1.0, 30.0]


@pytest.fixture
def service(request: pytest.FixtureRequest) -> Iterator[Service]:
    kind = getattr(request, "param", "nominatim")
    answers = {"nominatim": _nominatim, "429": _too_many, "timeout": _nominatim}
    hang = threading.Event() if kind == "timeout" else None
    with serve(Service(answers[kind], hang=hang)) as running:
        yield running


@pytest.fixture
def settings(settings: Settings, service: Service) -> Settings:
    return settings.model_copy(
        update={
            "geocoder_url": service.url,
            "geocoder_min_interval_s": 0.0,
            "geocoder_timeout_s": 0.2,
        }
    )


def test_the_app_geocodes_with_the_configured_service(
    client: TestClient, org: OrgHandle, service: Service
) -> None:
    body = shipment_body(address={"text": "Mannerheimintie 5, Helsinki"})
    created = client.post("/api/v1/shipments", json=body, headers=org.headers)
    assert created.status_code == 201, created.text
    address = created.json()["address"]
    assert haversine_m(address["lat"], address["lon"], 60.1691522, 24.9397851) < 0.5
    assert address["quality"] == {
        "score": 100,
        "reasons": [],
        "geocoded": True,
        "learned_from": None,
        "learned_confirmed": None,
    }
    again = {"q": "Mannerheimintie 5, Helsinki"}
    found = client.get("/api/v1/geocode", params=again, headers=org.headers)
    assert found.json()["candidates"][0]["label"] == "Mannerheimintie 5"
    assert len(service.asked) == 1  # the same text again: cached
    health = client.get("/healthz").json()["geocoder"]
    assert (health["kind"], health["requests"]) == ("nominatim", 1)


@pytest.mark.parametrize("service", ["429", "timeout"], indirect=True)
def test_a_service_that_cannot_answer_never_fails_the_caller(
    client: TestClient, org: OrgHandle, service: Service
) -> None:
    body = shipment_body(address={"text": "Mannerheimintie 5, Helsinki"})
    created = client.post("/api/v1/shipments", json=body, headers=org.headers)
    assert created.status_code == 201, created.text
    assert created.json()["address"]["quality"] is None  # unknown, not "not found"
    found = client.get("/api/v1/geocode", params={"q": "Mäkelänkatu 12"}, headers=org.headers)
    assert found.status_code == 200
    assert found.json()["candidates"] == []
    assert "did not answer" in found.json()["note"]
    failures = client.get("/healthz").json()["geocoder"]["failures"]
    assert sum(failures.values()) == 2


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> tuple[list[HttpGeocoder], list[HttpGeocoder]]:
    """The service clients the app opens, and those it closes, in order."""
    made: list[HttpGeocoder] = []
    closed: list[HttpGeocoder] = []

    class Watched(HttpGeocoder):
        def __init__(self, dialect: Dialect, settings: RemoteSettings) -> None:
            super().__init__(dialect, settings)
            made.append(self)

        def close(self) -> None:
            closed.append(self)
            super().close()

    monkeypatch.setattr(choice, "HttpGeocoder", Watched)
    return made, closed


@pytest.mark.parametrize("lifespan", [True, False], ids=["lifespan", "no-lifespan"])
def test_the_app_opens_one_client_for_the_service_at_first_use_and_closes_it(
    settings: Settings,
    db: Database,
    org: OrgHandle,
    service: Service,
    opened: tuple[list[HttpGeocoder], list[HttpGeocoder]],
    lifespan: bool,
) -> None:
    app = create_app(settings, database=db)
    client = TestClient(app)  # outside `with`, the lifespan never runs: geocoding still works
    with client if lifespan else contextlib.nullcontext():
        query = {"q": "Mannerheimintie 5"}
        found = client.get("/api/v1/geocode", params=query, headers=org.headers)
        assert found.json()["candidates"][0]["label"] == "Mannerheimintie 5"
        assert app.state.geocoders.health()["requests"] == 1
    if not lifespan:
        app.state.geocoders.close()  # as the lifespan does when the app stops
    made, closed = opened
    assert len(made) == 1
    assert closed == made
