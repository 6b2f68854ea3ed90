"""`/api/v1/organization/settings` and the logo upload (admins change, staff read)."""

from fastapi import APIRouter, Request

from lastmile.api.deps import SessionDep
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.audit import service as audit_log
from lastmile.audit import subjects
from lastmile.audit.types import Action, actor_of
from lastmile.auth.deps import AdminDep, StaffDep
from lastmile.orgsettings import service
from lastmile.orgsettings.schemas import (
    DeliveryWindow,
    LogoUpload,
    OrgSettingsOut,
    OrgSettingsPatch,
)
from lastmile.orgsettings.service import OrgRules

router = APIRouter(responses=COMMON_PROBLEMS, tags=["organization"])


def _out(rules: OrgRules) -> OrgSettingsOut:
    return OrgSettingsOut(
        brand_color=rules.brand_color,
        logo_url=rules.logo_url,
        has_logo_image=rules.has_logo_image,
        timezone=rules.timezone,
        driver_visible_stops_away=rules.driver_visible_stops_away,
        link_expiry_days=rules.link_expiry_days,
        reschedule_days_ahead=rules.reschedule_days_ahead,
        reschedule_cutoff=rules.reschedule_cutoff,
        reschedule_windows=[DeliveryWindow(start=s, end=e) for s, e in rules.reschedule_windows],
        feedback_tags=list(rules.feedback_tags),
        audit_retention_days=rules.audit_retention_days,
        osmand_issued_ids_only=rules.osmand_issued_ids_only,
        address_quality_rule=rules.address_quality_rule,
        address_quality_threshold=rules.address_quality_threshold,
        country=rules.country,
        customer_can_move_pin=rules.customer_can_move_pin,
    )


@router.get("/api/v1/organization/settings")
def get_settings(session: SessionDep, principal: StaffDep) -> OrgSettingsOut:
    rules = service.get_rules(session=session, org_id=principal.org_id)
    return _out(rules)


@router.patch("/api/v1/organization/settings")
def patch_settings(
    body: OrgSettingsPatch, request: Request, session: SessionDep, principal: AdminDep
) -> OrgSettingsOut:
    before = _out(service.get_rules(session=session, org_id=principal.org_id))
    changes = body.model_dump(exclude_unset=True)
    rules = service.update_rules(session=session, org_id=principal.org_id, changes=changes)
    audit_log.record_change(
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=Action.ORG_SETTINGS,
        subject=subjects.organization(principal.org_id),
        before=before.model_dump(mode="json"),
        after=_out(rules).model_dump(mode="json"),
    )
    session.commit()
    if "osmand_issued_ids_only" in changes:
        # This process's device directory at once; the others at their next whole read.
        request.app.state.ingestor.devices.issued_ids_only(
            principal.org_id, rules.osmand_issued_ids_only
        )
    return _out(rules)


@router.put("/api/v1/organization/logo")
def put_logo(body: LogoUpload, session: SessionDep, principal: AdminDep) -> OrgSettingsOut:
    """Upload the logo shown on tracking pages (PNG, JPEG or WebP, at most 200 KB)."""
    rules = service.set_logo(
        session=session,
        org_id=principal.org_id,
        image=body.image(),
        content_type=body.content_type,
    )
    audit_log.record(
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=Action.ORG_LOGO,
        subject=subjects.organization(principal.org_id),
        after={"content_type": body.content_type},
    )
    session.commit()
    return _out(rules)
