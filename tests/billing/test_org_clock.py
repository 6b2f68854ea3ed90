"""One organisation clock (`billing.jobs.org_zone`): invoice dates, pay and cash days at the
first hub's zone, else the organisation's time zone setting."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.common import OrgHandle

from lastmile.billing.invoices import local_today
from lastmile.billing.jobs import org_zone
from lastmile.db import Database
from lastmile.hubs.service import create_hub
from lastmile.orgsettings.service import update_rules

HELSINKI = ZoneInfo("Europe/Helsinki")


def test_without_a_hub_pay_days_are_counted_at_the_organisations_setting(
    db: Database, org: OrgHandle
) -> None:
    with db.session() as session:
        update_rules(session=session, org_id=org.org_id, changes={"timezone": "Europe/Helsinki"})
        assert org_zone(session, org_id=org.org_id) == HELSINKI


def test_pay_and_invoice_days_follow_the_first_hub_over_the_setting(
    db: Database, org: OrgHandle
) -> None:
    with db.session() as session:
        update_rules(session=session, org_id=org.org_id, changes={"timezone": "Asia/Tokyo"})
        start = datetime(2026, 1, 1, tzinfo=UTC)
        create_hub(
            session=session,
            org_id=org.org_id,
            code="HEL",
            name="Helsinki",
            lat=60.1,
            lon=24.9,
            timezone="Europe/Helsinki",
            created_at=start,
        )
        create_hub(
            session=session,
            org_id=org.org_id,
            code="NYC",
            name="New York",
            lat=40.7,
            lon=-74.0,
            timezone="America/New_York",
            created_at=start + timedelta(days=1),
        )
        assert org_zone(session, org_id=org.org_id) == HELSINKI
        # 20:00 UTC on the 7th is already the 8th in Tokyo, still the 7th in Helsinki.
        now = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)
        assert local_today(session=session, org_id=org.org_id, now=now).isoformat() == "2026-12-07"
