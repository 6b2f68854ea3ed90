"""At a stop's completion: proof recorded far from the address, or a track that was elsewhere."""

from datetime import datetime

from lastmile.alerts.signals import AlertKind, Severity, Signal
from lastmile.alerts.thresholds import AlertThresholds
from lastmile.geo import haversine_m


def check_proof_distance(
    *,
    stop_id: str,
    at: datetime,
    address: tuple[float, float],
    proof_position: tuple[float, float] | None,
    thresholds: AlertThresholds,
) -> Signal | None:
    """Raise when the position stamped on the proof lies beyond `proof_max_distance_m`."""
    if proof_position is None:
        return None
    distance = haversine_m(*proof_position, *address)
    if distance <= thresholds.proof_max_distance_m:
        return None
    return Signal(
        kind=AlertKind.PROOF_FAR_FROM_ADDRESS,
        key=f"{AlertKind.PROOF_FAR_FROM_ADDRESS.value}:{stop_id}",
        raised=True,
        at=at,
        severity=Severity.WARNING,
        title=f"Completed {distance:.0f} m from the address",
        lat=proof_position[0],
        lon=proof_position[1],
        details={"stop_id": stop_id, "distance_m": round(distance)},
    )


def check_track_at_completion(
    *,
    stop_id: str,
    at: datetime,
    address: tuple[float, float],
    track_position: tuple[float, float] | None,
    thresholds: AlertThresholds,
) -> Signal | None:
    """Raise when the driver's own GPS track at completion time was far from the address.

    The proof's position comes from the phone's form; the track is what the fleet stream saw.
    A completion while the track was elsewhere is the pattern of a parcel "delivered" from afar.
    """
    if track_position is None:
        return None
    distance = haversine_m(*track_position, *address)
    if distance <= thresholds.track_max_distance_m:
        return None
    return Signal(
        kind=AlertKind.DELIVERY_WHILE_ELSEWHERE,
        key=f"{AlertKind.DELIVERY_WHILE_ELSEWHERE.value}:{stop_id}",
        raised=True,
        at=at,
        severity=Severity.CRITICAL,
        title=f"Completed while the driver's track was {distance:.0f} m away",
        lat=track_position[0],
        lon=track_position[1],
        details={"stop_id": stop_id, "distance_m": round(distance)},
    )
