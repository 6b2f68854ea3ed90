"""Learning from history: a slow rush hour, a slow driver, thin data backing off, round trips."""

import json
import random
from datetime import UTC, datetime, timedelta

from lastmile.eta.fitting import fit
from lastmile.eta.learning import (
    LearnedEta,
    Visit,
    VisitedRoute,
    fix_speed_observations,
    hour_of_week,
    learn_service_times,
    learn_speed_factors,
)
from lastmile.eta.model import Stop
from lastmile.geo import haversine_m

MONDAY = datetime(2026, 11, 23, tzinfo=UTC)
SECONDS_PER_M = 0.12
SERVICE_S = 90.0


def _route(
    rng: random.Random, route_id: str, driver: str, start: datetime, *, slow_driver: bool = False
) -> VisitedRoute:
    """Twenty stops around one town; legs take twice as long between 08:00 and 09:00.

    The slow driver serves one block of flats (stops 100 m apart): their extra time can only
    be service, never a slow hour of the road.
    """
    lat, lon, at = 45.0, 7.0, start
    step = 0.001 if slow_driver else 0.01
    visits = []
    for index in range(20):
        lat2, lon2 = lat + rng.uniform(-step, step), lon + rng.uniform(-step, step)
        travel = haversine_m(lat, lon, lat2, lon2) * SECONDS_PER_M
        if at.hour == 8:
            travel *= 2.0
        service = SERVICE_S + (120.0 if slow_driver else 0.0)
        at = at + timedelta(seconds=(travel + service) if index else 0)
        lat, lon = lat2, lon2
        visits.append(Visit(Stop(f"{route_id}-{index}", lat, lon, kind="house"), at))
    return VisitedRoute(route_id, driver, visits)


def _history() -> list[VisitedRoute]:
    rng = random.Random(3)
    routes = []
    for day in range(5):
        for hour in (7, 8, 10, 14):
            start = MONDAY + timedelta(days=day, hours=hour, minutes=rng.randint(0, 10))
            routes.append(_route(rng, f"r{day}-{hour}", f"d{hour}", start))
    routes.append(_route(rng, "slow", "slowpoke", MONDAY + timedelta(hours=13), slow_driver=True))
    return routes


def test_speed_factors_pick_up_a_slow_rush_hour() -> None:
    learned = fit(_history())
    rush = learned.speed.factor(45.0, 7.0, MONDAY + timedelta(days=1, hours=8, minutes=30))
    midday = learned.speed.factor(45.0, 7.0, MONDAY + timedelta(days=1, hours=10, minutes=30))
    assert rush > 1.5 * midday
    assert 0.7 < midday < 1.4


def test_service_times_learn_a_slow_driver_and_shrink_thin_data() -> None:
    learned = fit(_history())
    usual = learned.service.seconds(driver_id="d10", kind="house")
    slow = learned.service.seconds(driver_id="slowpoke", kind="house")
    assert slow > usual + 60
    service = learn_service_times([("a", "shop", 600.0)], global_s=100.0)
    assert 100.0 < service.by_kind["shop"] < 300.0
    assert service.seconds(driver_id="nobody", kind="unknown kind") == 100.0


def test_thin_cells_back_off_to_the_hour_then_to_one() -> None:
    at = MONDAY + timedelta(hours=8)
    factors = learn_speed_factors([(45.0, 7.0, at, 2.0)] * 50)
    assert factors.factor(45.0, 7.0, at) > 1.8
    elsewhere = factors.factor(-33.9, 18.4, at)
    assert 1.8 < elsewhere <= 2.0
    assert factors.factor(45.0, 7.0, at + timedelta(hours=3)) == 1.0
    assert hour_of_week(at) == 8


def test_a_learned_model_round_trips_through_json() -> None:
    learned = fit(_history())
    again = LearnedEta.from_json(json.loads(json.dumps(learned.to_json())))
    assert again == LearnedEta.from_json(learned.to_json())
    at = MONDAY + timedelta(hours=8, minutes=5)
    assert again.speed.factor(45.0, 7.0, at) == learned.speed.factor(45.0, 7.0, at)
    assert again.errors.quantiles(3) == learned.errors.quantiles(3)
    assert again.service.seconds(driver_id="slowpoke", kind="house") == (
        learned.service.seconds(driver_id="slowpoke", kind="house")
    )


def test_fixes_of_our_own_fleet_reveal_a_slow_rush_hour() -> None:
    """Vans driving 10 m/s, but 4 m/s in one area between 17:00 and 18:00 on Mondays."""
    rng = random.Random(5)
    tracks = []
    for day in range(0, 21, 7):
        for hour in (10, 17):
            at, lat, lon = MONDAY + timedelta(days=day, hours=hour), 45.0, 7.0
            track = []
            for _ in range(120):
                track.append((at, lat, lon))
                speed = 4.0 if hour == 17 else 10.0
                lat += speed * 15 / 111_000 * rng.uniform(0.8, 1.2)
                lat = 45.0 + (lat - 45.0) % 0.02
                at += timedelta(seconds=15)
            tracks.append(track)
    factors = learn_speed_factors(fix_speed_observations(tracks))
    rush = factors.factor(45.01, 7.0, MONDAY + timedelta(days=7, hours=17, minutes=20))
    morning = factors.factor(45.01, 7.0, MONDAY + timedelta(days=7, hours=10, minutes=20))
    assert rush > 2.0 * morning
