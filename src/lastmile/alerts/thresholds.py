"""Per-organisation detector thresholds, with defaults a city courier would start from, and
whom to email when an alert opens."""

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from lastmile.alerts.signals import Severity


class AlertThresholds(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    halt_min_s: float = Field(600, ge=60, le=4 * 3600, description="unscheduled halt after")
    # Unused since halts come from the trips segmentation (its own radius, the same for every
    # organisation); kept so that stored settings that name it still load.
    halt_radius_m: float = Field(
        40, ge=10, le=300, description="unused: halts come from the trips stop detector"
    )
    planned_place_radius_m: float = Field(
        150, ge=20, le=2000, description="a halt this close to a stop or hub is planned"
    )
    corridor_m: float = Field(250, ge=30, le=5000, description="route deviation corridor width")
    corridor_return_ratio: float = Field(
        0.8, gt=0.1, le=1.0, description="back inside at this fraction of the corridor (hysteresis)"
    )
    deviation_min_s: float = Field(120, ge=0, le=3600, description="outside the corridor for")
    gps_lost_moving_s: float = Field(
        300, ge=30, le=4 * 3600, description="silence after moving before GPS counts as lost"
    )
    gps_lost_parked_s: float = Field(
        1800, ge=60, le=8 * 3600, description="silence while parked before GPS counts as lost"
    )
    proof_max_distance_m: float = Field(
        200, ge=20, le=10_000, description="proof recorded further than this from the address"
    )
    track_max_distance_m: float = Field(
        500, ge=50, le=20_000, description="track this far from the address at completion"
    )
    night_start_hour: int = Field(21, ge=0, le=23, description="local hour night begins")
    night_end_hour: int = Field(6, ge=0, le=23, description="local hour night ends")
    max_plausible_speed_mps: float = Field(
        70, ge=20, le=340, description="speeds above this between fixes are not driving"
    )
    late_risk_margin_s: float = Field(
        0, ge=-3600, le=3600, description="ETA later than window end plus this is at risk"
    )
    email_to: list[EmailStr] = Field(
        default_factory=list, max_length=20, description="dispatchers emailed when an alert opens"
    )
    email_min_severity: Severity = Field(
        Severity.WARNING, description="alerts below this severity are not emailed"
    )
