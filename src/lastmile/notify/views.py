"""HTTP routes: notification rules, settings, webhooks, opt-outs, the delivery log; unsubscribe."""

import uuid
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from lastmile.api.deps import SessionDep, SettingsDep
from lastmile.api.problems import COMMON_PROBLEMS
from lastmile.audit import service as audit_log
from lastmile.audit import subjects
from lastmile.audit.types import Action, actor_of
from lastmile.auth.deps import AdminDep, StaffDep
from lastmile.errors import NotFound
from lastmile.notify import audit_subjects as notify_subjects
from lastmile.notify import service
from lastmile.notify.channels.console import mask
from lastmile.notify.outbox import org_settings
from lastmile.notify.rules import Rule, effective_rules
from lastmile.notify.schemas import (
    AttemptOut,
    DeliveryDetail,
    DeliveryOut,
    OptOutIn,
    OptOutOut,
    QuietHours,
    RuleOut,
    RuleUpdate,
    SettingsIn,
    SettingsOut,
    WebhookCreate,
    WebhookCreated,
    WebhookOut,
)
from lastmile.notify.types import Channel, Event, MessageStatus
from lastmile.notify.unsubscribe import read_token

router = APIRouter(prefix="/api/v1/notify", tags=["notifications"], responses=COMMON_PROBLEMS)
public_router = APIRouter(prefix="/notify", include_in_schema=False)
_pages = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "pages"), autoescape=select_autoescape()
)


@router.get("/rules")
def list_rules(session: SessionDep, principal: StaffDep) -> list[RuleOut]:
    rules = effective_rules(session=session, org_id=principal.org_id)
    return [RuleOut.model_validate(r) for r in rules]


@router.put("/rules/{event}/{channel}")
def update_rule(
    event: Event, channel: Channel, body: RuleUpdate, session: SessionDep, principal: AdminDep
) -> RuleOut:
    before = _rule(session, principal.org_id, event, channel)
    rule = service.update_rule(
        session=session, org_id=principal.org_id, event=event, channel=channel, **body.model_dump()
    )
    audit_log.record_change(
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=Action.NOTIFY_RULE,
        subject=notify_subjects.notification_rule(rule),
        before=notify_subjects.rule_fields(before) if before else {},
        after=notify_subjects.rule_fields(rule),
    )
    session.commit()
    return RuleOut.model_validate(rule)


@router.delete("/rules/{event}/{channel}", status_code=204)
def reset_rule(
    event: Event, channel: Channel, session: SessionDep, principal: AdminDep
) -> Response:
    before = _rule(session, principal.org_id, event, channel)
    service.reset_rule(session=session, org_id=principal.org_id, event=event, channel=channel)
    after = _rule(session, principal.org_id, event, channel)
    if before is not None and after is not None:
        audit_log.record_change(
            session=session,
            org_id=principal.org_id,
            actor=actor_of(principal),
            action=Action.NOTIFY_RULE_RESET,
            subject=notify_subjects.notification_rule(before),
            before=notify_subjects.rule_fields(before),
            after=notify_subjects.rule_fields(after),
        )
    session.commit()
    return Response(status_code=204)


def _rule(session: Session, org_id: uuid.UUID, event: Event, channel: Channel) -> Rule | None:
    """The rule in force for (event, channel); none for a channel that has no rules."""
    rules = effective_rules(session=session, org_id=org_id)
    return next((r for r in rules if (r.event, r.channel) == (event, channel)), None)


def _settings_out(session: SessionDep, org_id: uuid.UUID) -> SettingsOut:
    row = org_settings(session=session, org_id=org_id)
    quiet = (
        QuietHours(start=row.quiet_start, end=row.quiet_end)
        if row.quiet_start is not None and row.quiet_end is not None
        else None
    )
    return SettingsOut(
        locale=row.locale,
        timezone=row.timezone,
        quiet_hours=quiet,
        locales=service.available_locales(),
    )


@router.get("/settings")
def get_settings(session: SessionDep, principal: StaffDep) -> SettingsOut:
    return _settings_out(session, principal.org_id)


@router.put("/settings")
def put_settings(body: SettingsIn, session: SessionDep, principal: AdminDep) -> SettingsOut:
    before = _settings_out(session, principal.org_id)
    service.save_settings(
        session=session,
        org_id=principal.org_id,
        locale=body.locale,
        timezone=body.timezone,
        quiet_start=body.quiet_hours.start if body.quiet_hours else None,
        quiet_end=body.quiet_hours.end if body.quiet_hours else None,
    )
    after = _settings_out(session, principal.org_id)
    audit_log.record_change(
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=Action.NOTIFY_SETTINGS,
        subject=subjects.organization(principal.org_id),
        before=before.model_dump(mode="json", exclude={"locales"}),
        after=after.model_dump(mode="json", exclude={"locales"}),
    )
    session.commit()
    return after


@router.post("/webhooks", status_code=status.HTTP_201_CREATED)
def create_webhook(
    body: WebhookCreate, session: SessionDep, principal: AdminDep, settings: SettingsDep
) -> WebhookCreated:
    endpoint = service.create_webhook(
        session=session,
        org_id=principal.org_id,
        url=str(body.url),
        events=body.events,
        description=body.description,
        allow_private=settings.webhook_allow_private,
    )
    audit_log.record(
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=Action.WEBHOOK_CREATE,
        subject=notify_subjects.webhook(endpoint),
        after={"events": endpoint.events, "description": endpoint.description},
    )
    session.commit()
    return WebhookCreated.model_validate(endpoint)


@router.get("/webhooks")
def list_webhooks(session: SessionDep, principal: AdminDep) -> list[WebhookOut]:
    endpoints = service.list_webhooks(session=session, org_id=principal.org_id)
    return [WebhookOut.model_validate(e) for e in endpoints]


@router.delete("/webhooks/{endpoint_id}", status_code=204)
def delete_webhook(endpoint_id: uuid.UUID, session: SessionDep, principal: AdminDep) -> Response:
    endpoint = service.delete_webhook(
        session=session, org_id=principal.org_id, endpoint_id=endpoint_id
    )
    audit_log.record(
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=Action.WEBHOOK_DELETE,
        subject=notify_subjects.webhook(endpoint),
        before={"active": True},
        after={"active": False},
    )
    session.commit()
    return Response(status_code=204)


@router.post("/opt-outs", status_code=status.HTTP_201_CREATED)
def create_opt_out(body: OptOutIn, session: SessionDep, principal: StaffDep) -> OptOutOut:
    channel, address = (Channel.SMS, body.phone) if body.phone else (Channel.EMAIL, body.email)
    assert address is not None
    known = service.find_opt_out(
        session=session, org_id=principal.org_id, channel=channel, address=address
    )
    row = service.opt_out(
        session=session, org_id=principal.org_id, channel=channel, address=address, source="api"
    )
    if known is None:  # a repeat changes nothing
        audit_log.record(
            session=session,
            org_id=principal.org_id,
            actor=actor_of(principal),
            action=Action.OPT_OUT_CREATE,
            subject=notify_subjects.opt_out(row),
            after={"channel": row.channel, "source": row.source},
        )
    session.commit()
    return OptOutOut.model_validate(row)


@router.get("/opt-outs")
def list_opt_outs(session: SessionDep, principal: StaffDep) -> list[OptOutOut]:
    rows = service.list_opt_outs(session=session, org_id=principal.org_id)
    return [OptOutOut.model_validate(r) for r in rows]


@router.delete("/opt-outs/{opt_out_id}", status_code=204)
def delete_opt_out(opt_out_id: uuid.UUID, session: SessionDep, principal: AdminDep) -> Response:
    row = service.remove_opt_out(session=session, org_id=principal.org_id, opt_out_id=opt_out_id)
    audit_log.record(
        session=session,
        org_id=principal.org_id,
        actor=actor_of(principal),
        action=Action.OPT_OUT_DELETE,
        subject=notify_subjects.opt_out(row),
        before={"channel": row.channel, "source": row.source},
    )
    session.commit()
    return Response(status_code=204)


@router.get("/deliveries")
def list_deliveries(
    session: SessionDep,
    principal: StaffDep,
    channel: Channel | None = None,
    status_: Annotated[MessageStatus | None, Query(alias="status")] = None,
    shipment_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryOut]:
    rows = service.list_deliveries(
        session=session,
        org_id=principal.org_id,
        channel=channel,
        status=status_,
        shipment_id=shipment_id,
        limit=limit,
    )
    return [DeliveryOut.model_validate(r) for r in rows]


@router.get("/deliveries/{delivery_id}")
def get_delivery(
    delivery_id: uuid.UUID, session: SessionDep, principal: StaffDep
) -> DeliveryDetail:
    message, attempts = service.get_delivery(
        session=session, org_id=principal.org_id, message_id=delivery_id
    )
    return DeliveryDetail(
        **DeliveryOut.model_validate(message).model_dump(),
        context=message.context,
        log=[AttemptOut.model_validate(a) for a in attempts],
    )


@router.post("/deliveries/{delivery_id}/replay", status_code=status.HTTP_202_ACCEPTED)
def replay_delivery(
    delivery_id: uuid.UUID, session: SessionDep, principal: AdminDep
) -> DeliveryOut:
    message = service.replay_delivery(
        session=session, org_id=principal.org_id, message_id=delivery_id
    )
    session.commit()
    return DeliveryOut.model_validate(message)


def _unsubscribe_page(token: str, secret_key: str, *, done: bool) -> HTMLResponse:
    request = read_token(token, secret_key=secret_key)
    if request is None:
        raise NotFound("this unsubscribe link is not valid")
    html = _pages.get_template("unsubscribe.html").render(
        done=done, channel=request.channel.value.upper(), address=mask(request.address)
    )
    return HTMLResponse(html)


@public_router.get("/unsubscribe/{token}")
def unsubscribe_form(token: str, settings: SettingsDep) -> HTMLResponse:
    """A confirmation form: link scanners that follow GETs must not unsubscribe anyone."""
    return _unsubscribe_page(token, settings.secret_key.get_secret_value(), done=False)


@public_router.post("/unsubscribe/{token}")
def unsubscribe(token: str, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    secret_key = settings.secret_key.get_secret_value()
    request = read_token(token, secret_key=secret_key)
    if request is None:
        raise NotFound("this unsubscribe link is not valid")
    service.opt_out(
        session=session,
        org_id=request.org_id,
        channel=request.channel,
        address=request.address,
        source="link",
    )
    session.commit()
    return _unsubscribe_page(token, secret_key, done=True)
