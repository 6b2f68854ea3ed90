"""A whole fleet's simulated day: driver days with incidents, phones, ground truth."""

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

from lastmile.errors import InvalidInput
from lastmile.routing.network import LatLon, RoadNetwork, RoutingError, TracePosition
from lastmile.sim.driver import Detour, RoadSpeeds, build_driver_day, straight_detour
from lastmile.sim.gps import PhoneProfile, Protocol, plan_phone_day
from lastmile.sim.incidents import IncidentRates, Truth, TruthLog, at, choose_incidents
from lastmile.sim.runner import SimPhone
from lastmile.sim.world import Day

_FIRST_FIX_AFTER = {"note": "the first fix taken at or after this moment jumps"}


@dataclass(frozen=True, eq=False)
class Fleet:
    phones: list[SimPhone]
    truth: TruthLog
    head_start_s: float = 0.0
    """How far before its anchored timeline the day starts, for the clock to catch up on."""

    @property
    def start_s(self) -> float:
        return min(p.day.start_s for p in self.phones)

    @property
    def end_s(self) -> float:
        return max(p.day.end_s for p in self.phones)


def road_detour(network: RoadNetwork) -> Detour:
    """Detours on the map's roads (straight lines where the map has no way through)."""

    def detour(a: LatLon, waypoint: LatLon, b: LatLon) -> list[LatLon]:
        try:
            return list(network.route([a, waypoint, b]).geometry)
        except RoutingError:
            return straight_detour(a, waypoint, b)

    return detour


def road_speeds(network: RoadNetwork) -> RoadSpeeds:
    """Speeds by road class: each path vertex matched to its road edge on the map."""

    def speeds(path: Sequence[LatLon]) -> list[float] | None:
        trace = [TracePosition(lat, lon, accuracy_m=5.0) for lat, lon in path]
        try:
            match = network.map_match(trace)
        except (RoutingError, InvalidInput):
            return None
        per_point = [
            match.edges[p.edge_index].speed_mps if p.edge_index is not None else None
            for p in match.points
        ]
        known = [v for v in per_point if v]
        if len(per_point) != len(path) or not known:
            return None
        fill = sorted(known)[len(known) // 2]
        return [b or a or fill for a, b in itertools.pairwise(per_point)]

    return speeds


def build_fleet(
    day: Day,
    *,
    seed: int,
    rates: IncidentRates = IncidentRates(),
    profile: PhoneProfile = PhoneProfile(),
    detour: Detour = straight_detour,
    speeds: RoadSpeeds | None = None,
) -> Fleet:
    """Every driver's day, the same for the same routes and seed."""
    rng = random.Random(seed)
    incidents = choose_incidents([len(r.stops) for r in day.routes], rng, rates)
    truth = TruthLog()
    phones: list[SimPhone] = []
    for index, (route, scripted) in enumerate(zip(day.routes, incidents, strict=True)):
        driver_rng = random.Random(f"{seed}/driver/{index}")
        driver_day = build_driver_day(
            route,
            incidents=scripted,
            rng=driver_rng,
            timezone=day.timezone,
            detour=detour,
            road_speeds=speeds,
        )
        protocol: Protocol = (
            "osmand" if day.device_protocols.get(route.device_id) == "osmand" else "native"
        )
        phone_profile = replace(profile, protocol=protocol)
        conditions = plan_phone_day(
            phone_profile, driver_rng, start_s=driver_day.start_s, end_s=driver_day.end_s
        )
        truth.add(driver_day.truth)
        for window in conditions.canyons:
            truth.add([Truth("gps_dropout", route.driver_id, at(window.start_s), at(window.end_s))])
        for window in conditions.offline:
            truth.add(
                [Truth("phone_offline", route.driver_id, at(window.start_s), at(window.end_s))]
            )
        for moment in conditions.multipath_s:
            truth.add(
                [Truth("multipath_jump", route.driver_id, at(moment), detail=_FIRST_FIX_AFTER)]
            )
        phones.append(
            SimPhone(driver_day, phone_profile, conditions, seed=driver_rng.randrange(2**32))
        )
    return Fleet(phones, truth)
