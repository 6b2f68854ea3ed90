"""The ETA arithmetic: known speeds give known ETAs, stale GPS widens, windows cover as learned."""

import random
from datetime import UTC, datetime, timedelta

from lastmile.eta.backtest import Outcome
from lastmile.eta.fitting import error_model
from lastmile.eta.learning import LearnedEta, ServiceTimes
from lastmile.eta.model import ErrorModel, Quantiles, Stop, StopForecast, forecast
from lastmile.eta.predictor import Predictor, StraightLine
from lastmile.geo import haversine_m

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
EXACT = ErrorModel({name: Quantiles(0.0, 0.0, 0.0) for name in ("1", "2-5", "6+")})


def _line(n: int, spacing_deg: float = 0.01) -> list[Stop]:
    """Stops due east along the equator, `spacing_deg` apart (about 1.11 km)."""
    return [Stop(f"s{i}", 0.0, spacing_deg * (i + 1)) for i in range(n)]


def test_a_straight_route_at_a_known_speed_gives_known_etas() -> None:
    learned = LearnedEta(
        seconds_per_m=0.1, service=ServiceTimes(global_s=120.0), errors=EXACT, pace_prior_n=None
    )
    predictor = Predictor(learned, StraightLine(0.1))
    stops = _line(4)
    result = predictor.predict(
        now=T0,
        origin=(0.0, 0.0),
        stops=stops,
        base_legs_s=predictor.base_legs_s(stops),
        driver_id="d",
    )
    leg_s = haversine_m(0, 0, 0, 0.01) * 0.1
    for k, item in enumerate(result):
        expected = T0 + timedelta(seconds=(k + 1) * leg_s + k * 120.0)
        assert abs((item.eta - expected).total_seconds()) < 1e-3
        assert item.stops_away == k + 1
        assert item.window_start == item.window_end == item.eta


def test_stale_gps_widens_the_window_on_both_sides() -> None:
    stops = _line(3)
    etas = [T0 + timedelta(minutes=10 * (k + 1)) for k in range(3)]
    errors = ErrorModel({name: Quantiles(0.0, -0.1, 0.2) for name in ("1", "2-5", "6+")})
    fresh = forecast(now=T0, etas=etas, stops=stops, errors=errors, gps_age_s=0)
    stale = forecast(now=T0, etas=etas, stops=stops, errors=errors, gps_age_s=300)
    for a, b in zip(fresh, stale, strict=True):
        assert b.window_start < a.window_start
        assert b.window_end > a.window_end
        assert (b.window_end - b.window_start) - (a.window_end - a.window_start) == timedelta(
            seconds=300 + 150
        )


def _noisy_outcomes(rng: random.Random, n: int) -> list[Outcome]:
    """Forecasts whose truth is off by a lognormal factor: the model must learn its spread."""
    out = []
    for _ in range(n):
        to_go = rng.uniform(600, 7200)
        eta = T0 + timedelta(seconds=to_go)
        actual = T0 + timedelta(seconds=to_go * rng.lognormvariate(0.05, 0.25))
        out.append(Outcome(T0, StopForecast("s", eta, eta, eta, rng.randint(1, 12)), actual))
    return out


def test_learned_windows_cover_about_80_percent_of_fresh_noisy_data() -> None:
    rng = random.Random(7)
    errors = error_model(_noisy_outcomes(rng, 3000))
    fresh = _noisy_outcomes(rng, 3000)
    covered = 0
    for outcome in fresh:
        (item,) = forecast(
            now=outcome.now,
            etas=[outcome.forecast.eta],
            stops=[Stop("s", 0, 0)],
            errors=ErrorModel({"1": errors.quantiles(outcome.forecast.stops_away)}, coverage=0.8),
        )
        covered += item.window_start <= outcome.actual <= item.window_end
    assert 0.76 <= covered / len(fresh) <= 0.84


def test_the_driver_waits_for_a_window_only_when_learned_to() -> None:
    opens = T0 + timedelta(hours=2)
    stops = [Stop("a", 0.0, 0.01, window_start=opens)]
    for wait in (False, True):
        learned = LearnedEta(seconds_per_m=0.1, errors=EXACT, wait_for_window=wait)
        predictor = Predictor(learned, StraightLine(0.1))
        (item,) = predictor.predict(
            now=T0, origin=(0.0, 0.0), stops=stops, base_legs_s=[], driver_id="d"
        )
        assert (item.eta == opens) is wait


def test_a_planned_service_time_counts_where_none_was_learned_for_the_kind() -> None:
    learned = LearnedEta(
        seconds_per_m=0.1,
        service=ServiceTimes(global_s=100.0, by_kind={"locker": 30.0}),
        errors=EXACT,
    )
    predictor = Predictor(learned, StraightLine(0.1))
    planned = [Stop("a", 0.0, 0.0, service_s=600.0), Stop("b", 0.0, 0.0)]
    learned_kind = [Stop("a", 0.0, 0.0, kind="locker", service_s=600.0), Stop("b", 0.0, 0.0)]
    gaps = []
    for stops in (planned, learned_kind):
        first, second = predictor.predict(
            now=T0, origin=(0.0, 0.0), stops=stops, base_legs_s=[0.0], driver_id="d"
        )
        gaps.append((second.eta - first.eta).total_seconds())
    assert gaps == [600.0, 30.0]
