"""The HTTP side of exactly-once driver actions: replay the first answer or apply and record."""

from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from lastmile.bus.from_thread import publish_from_thread
from lastmile.driver import actions
from lastmile.driver.schemas import ActionIn
from lastmile.driver_auth.deps import DriverPrincipal

REPLAYED_HEADER = "Idempotent-Replayed"
AfterCommit = Callable[[], Coroutine[Any, Any, None]]


def apply_once(
    *,
    session: Session,
    driver: DriverPrincipal,
    action: ActionIn,
    kind: str,
    target: str,
    apply: Callable[[], BaseModel],
    blobs: Sequence[bytes] = (),
    extra: dict[str, Any] | None = None,
    status_code: int = 200,
    after_commit: Callable[[], Sequence[AfterCommit]] | None = None,
) -> JSONResponse:
    """Run `apply` once per `action.action_id`; the record commits with the action's effect.

    A replay of the same action answers the stored first answer (with `Idempotent-Replayed:
    true`); the same id with a different request is a 409. An action that fails is not
    recorded, so a replay runs it again against the state of the moment.
    """
    payload = {**action.model_dump(mode="json", exclude={"action_id"}), **(extra or {})}
    request_sha256 = actions.fingerprint(kind, target, payload, *blobs)
    found = actions.find(
        session=session,
        driver_id=driver.driver_id,
        action_id=action.action_id,
        kind=kind,
        request_sha256=request_sha256,
    )
    if found is not None:
        return JSONResponse(
            found.response, status_code=found.status_code, headers={REPLAYED_HEADER: "true"}
        )
    response = apply().model_dump(mode="json")
    actions.remember(
        session=session,
        org_id=driver.org_id,
        driver_id=driver.driver_id,
        action_id=action.action_id,
        kind=kind,
        request_sha256=request_sha256,
        client_at=action.at,
        status_code=status_code,
        response=response,
    )
    session.commit()
    for publish in after_commit() if after_commit is not None else ():
        publish_from_thread(publish, what="a live update after a driver action")
    return JSONResponse(response, status_code=status_code)
