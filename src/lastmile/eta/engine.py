"""The ETA engine: the learned model, the travel sources, the per-route caches, what was stored.

Storage rule (`EtaEngine.should_store`): a stop's ETA is stored when it is the stop's first,
when the ETA moved by `MOVE_S` or more, a window edge by `WINDOW_MOVE_S` or more, or the last
stored one is `REFRESH_S` old: at least one per stop per minute while fixes flow.
"""

import itertools
import json
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from lastmile.dispatch.models import StopStatus
from lastmile.eta.learning import LearnedEta
from lastmile.eta.model import Stop, StopForecast
from lastmile.eta.predictor import Predictor, StraightLine, TravelTimes
from lastmile.eta.road import RoadRoute
from lastmile.eta.road_cache import NetworkSource, RoadCache
from lastmile.eta.travel import NetworkTravel
from lastmile.routing.network import RoadNetwork

MOVE_S = 60.0
WINDOW_MOVE_S = 120.0
REFRESH_S = 60.0
MAX_CACHED = 10_000
MAX_REMEMBERED = 250_000
"""Stops whose last stored ETA is remembered: a fleet's remaining stops (5,000 routes of 50);
forgetting one stores its next forecast whatever it says."""


@dataclass(frozen=True, slots=True)
class RemainingStop:
    stop_id: uuid.UUID
    shipment_id: uuid.UUID
    status: StopStatus
    stop: Stop


def load_learned(path: Path | None) -> LearnedEta:
    """The model saved by `lastmile eta backtest --model-out`, or defaults when there is none."""
    if path is None or not path.is_file():
        return LearnedEta()
    return LearnedEta.from_json(json.loads(path.read_text(encoding="utf-8")))


class EtaEngine:
    """The learned model, the travel source, the per-route leg cache and the storage memory."""

    def __init__(
        self,
        learned: LearnedEta,
        network: RoadNetwork | None = None,
        *,
        open_network: NetworkSource | None = None,
    ) -> None:
        """`network` also prices the legs of routes without a stored path; `open_network`
        (opened on first need) only the detours of drivers off their planned path."""
        self.learned = learned
        travel: TravelTimes = (
            StraightLine(learned.seconds_per_m)
            if network is None
            else NetworkTravel(network, learned.seconds_per_m)
        )
        self.predictor = Predictor(learned, travel)
        self.roads = RoadCache(open_network or ((lambda: network) if network is not None else None))
        self.leg_computations = 0
        self._legs: OrderedDict[tuple[uuid.UUID, ...], tuple[RoadRoute | None, list[float]]] = (
            OrderedDict()
        )
        self._stored: OrderedDict[uuid.UUID, StopForecast] = OrderedDict()
        self._stored_at: dict[uuid.UUID, datetime] = {}
        self._lock = threading.Lock()
        self._pace: OrderedDict[uuid.UUID, float] = OrderedDict()

    def pace(self, route_id: uuid.UUID) -> float:
        """The route's observed pace (actual / predicted), 1.0 until two arrivals are known."""
        with self._lock:
            return self._pace.get(route_id, 1.0)

    def set_pace(self, route_id: uuid.UUID, pace: float) -> None:
        with self._lock:
            self._pace[route_id] = pace
            self._pace.move_to_end(route_id)
            while len(self._pace) > MAX_CACHED:
                self._pace.popitem(last=False)

    def legs(
        self, route_id: uuid.UUID, stops: list[RemainingStop], road: RoadRoute | None = None
    ) -> list[float]:
        """Base travel times between consecutive stops, computed once per remaining set:
        the planned road leg where the two follow each other on the path, else the travel
        source's."""
        key = (route_id, *(s.stop_id for s in stops))
        with self._lock:
            cached = self._legs.get(key)
        if cached is not None and cached[0] is road:
            return cached[1]
        planned = [
            leg.duration_s
            if road is not None
            and (leg := road.leg_into(b.stop_id)) is not None
            and leg.from_stop == a.stop_id
            else None
            for a, b in itertools.pairwise(stops)
        ]
        fallback = (
            self.predictor.base_legs_s([s.stop for s in stops])
            if any(p is None for p in planned)
            else []
        )
        found = [p if p is not None else fallback[i] for i, p in enumerate(planned)]
        with self._lock:
            self.leg_computations += 1
            self._legs[key] = (road, found)
            while len(self._legs) > MAX_CACHED:
                self._legs.popitem(last=False)
        return found

    def should_store(self, stop_id: uuid.UUID, forecast: StopForecast, now: datetime) -> bool:
        with self._lock:
            previous = self._stored.get(stop_id)
            stored_at = self._stored_at.get(stop_id)
        if previous is None or stored_at is None:
            return True
        return (
            abs((forecast.eta - previous.eta).total_seconds()) >= MOVE_S
            or abs((forecast.window_start - previous.window_start).total_seconds()) >= WINDOW_MOVE_S
            or abs((forecast.window_end - previous.window_end).total_seconds()) >= WINDOW_MOVE_S
            or (now - stored_at).total_seconds() >= REFRESH_S
        )

    def forget(self, stop_id: uuid.UUID) -> None:
        """The next forecast of this stop is stored whatever it says."""
        with self._lock:
            self._stored.pop(stop_id, None)
            self._stored_at.pop(stop_id, None)

    def remember(self, stop_id: uuid.UUID, forecast: StopForecast, now: datetime) -> None:
        with self._lock:
            self._stored[stop_id] = forecast
            self._stored_at[stop_id] = now
            self._stored.move_to_end(stop_id)
            while len(self._stored) > MAX_REMEMBERED:
                old, _ = self._stored.popitem(last=False)
                self._stored_at.pop(old, None)
