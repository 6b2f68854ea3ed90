"""The driver loads the van at the hub before leaving: each parcel scanned (or typed) from the
app goes onto the driver's planned route through the hub's one scan path (`labels.loading`);
scanning one again says so, so the app may simply resend."""

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from lastmile.api.deps import NowDep, SessionDep
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.driver import workflow
from lastmile.driver_auth.deps import DriverDep
from lastmile.labels import loading
from lastmile.labels.schemas import LoadStateOut, ScanOut

router = APIRouter(tags=["driver app"], responses=COMMON_PROBLEMS)


class LoadScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(
        min_length=1, max_length=500, description="The parcel's barcode or QR code, or typed"
    )


@router.post("/api/v1/driver/route/scans")
def load_parcel(body: LoadScanIn, driver: DriverDep, session: SessionDep, now: NowDep) -> ScanOut:
    """One parcel onto the van of the driver's next route (a parcel of another route: 409)."""
    route = workflow.todays_route(
        session=session, org_id=driver.org_id, driver_id=driver.driver_id, now=now
    )
    scanned = loading.scan(
        session=session,
        org_id=driver.org_id,
        hub_id=route.hub_id,
        code=body.code,
        action=loading.ScanAction.LOADED,
        route_id=route.id,
        actor=driver.actor,
        now=now,
    )
    answer = ScanOut.of(scanned)
    session.commit()
    return answer


@router.get("/api/v1/driver/route/load")
def route_load(driver: DriverDep, session: SessionDep, now: NowDep) -> LoadStateOut:
    """The driver's route: parcels loaded and still to load, in stop order."""
    route = workflow.todays_route(
        session=session, org_id=driver.org_id, driver_id=driver.driver_id, now=now
    )
    return LoadStateOut.of(
        loading.load_state(session=session, org_id=driver.org_id, route_id=route.id)
    )
