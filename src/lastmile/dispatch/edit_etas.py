"""The live-ETA step of a dispatcher's route edit, as the app hands it in.

`eta` reads dispatch's routes (and the fixes `ingest` stores), so dispatch cannot import it
without a circle: the app builds this at start-up from `eta.edits.routes_edited` and
`eta.live.publish_etas` (`app.state.edit_etas`), and the edit views take it as a dependency.
"""

from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from lastmile.bus.base import Bus
from lastmile.dispatch.models import Route
from lastmile.types import StopEta


class RefreshEtas(Protocol):
    def __call__(
        self, session: Session, *, routes: Sequence[Route], now: datetime
    ) -> list[StopEta]:
        """Drop the edited routes' stored ETAs and store fresh ones for those under way; the
        caller commits, then publishes what comes back."""
        ...


@dataclass(frozen=True, slots=True)
class EditEtas:
    refresh: RefreshEtas
    publish: Callable[[Bus, Sequence[StopEta]], Coroutine[Any, Any, None]]


def _edit_etas(request: Request) -> EditEtas:
    found: EditEtas = request.app.state.edit_etas
    return found


EditEtasDep = Annotated[EditEtas, Depends(_edit_etas)]
