"""Which ETAs are stored: the first, a moved one, a moved window edge, and one a minute."""

import uuid
from datetime import UTC, datetime, timedelta

from lastmile.dispatch.models import StopStatus
from lastmile.eta.engine import EtaEngine, RemainingStop
from lastmile.eta.learning import LearnedEta
from lastmile.eta.model import Stop, StopForecast
from lastmile.eta.road import RoadLeg, RoadRoute

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _forecast(eta_s: float, start_s: float = -300, end_s: float = 600) -> StopForecast:
    eta = T0 + timedelta(minutes=30, seconds=eta_s)
    return StopForecast(
        "s", eta, eta + timedelta(seconds=start_s), eta + timedelta(seconds=end_s), 1
    )


def test_an_eta_is_stored_when_new_moved_or_a_minute_old() -> None:
    engine = EtaEngine(LearnedEta())
    stop = uuid.uuid4()
    assert engine.should_store(stop, _forecast(0), T0)
    engine.remember(stop, _forecast(0), T0)
    soon = T0 + timedelta(seconds=10)
    assert not engine.should_store(stop, _forecast(30), soon)
    assert engine.should_store(stop, _forecast(60), soon)
    assert engine.should_store(stop, _forecast(0, end_s=800), soon)
    assert not engine.should_store(stop, _forecast(0, end_s=700), soon)
    assert engine.should_store(stop, _forecast(0), T0 + timedelta(seconds=60))
    engine.forget(stop)
    assert engine.should_store(stop, _forecast(0), soon)


def _stops(count: int) -> list[RemainingStop]:
    return [
        RemainingStop(
            uuid.uuid4(), uuid.uuid4(), StopStatus.PENDING, Stop(str(i), 60.1, 24.9 + i / 100)
        )
        for i in range(count)
    ]


def test_legs_are_computed_once_per_set_of_remaining_stops() -> None:
    engine = EtaEngine(LearnedEta())
    route = uuid.uuid4()
    stops = _stops(4)
    first = engine.legs(route, stops)
    assert engine.legs(route, stops) is first
    assert engine.leg_computations == 1
    assert len(engine.legs(route, stops[1:])) == 2
    assert engine.leg_computations == 2


def test_legs_come_from_the_road_where_the_stops_follow_each_other_on_it() -> None:
    engine = EtaEngine(LearnedEta())
    route = uuid.uuid4()
    stops = _stops(3)
    points = [(s.stop.lat, s.stop.lon) for s in stops]
    # The road knows 0 → 1 (planned 400 s); stop 2 was planned after another stop, not after 1.
    road = RoadRoute(
        {
            stops[1].stop_id: RoadLeg.from_path(
                points[:2], duration_s=400.0, to_stop=stops[1].stop_id, from_stop=stops[0].stop_id
            ),
            stops[2].stop_id: RoadLeg.from_path(
                points[1:], duration_s=999.0, to_stop=stops[2].stop_id, from_stop=uuid.uuid4()
            ),
        }
    )
    straight = engine.legs(route, stops)
    on_road = engine.legs(route, stops, road)
    assert on_road == [400.0, straight[1]]
    assert engine.legs(route, stops, road) is on_road
    assert engine.leg_computations == 2, "a new road path recomputes; the same one does not"
