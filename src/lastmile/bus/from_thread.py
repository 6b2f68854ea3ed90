"""Publishing from a synchronous view, once its transaction committed."""

import logging
from collections.abc import Callable, Coroutine
from typing import Any

import anyio.from_thread

log = logging.getLogger(__name__)


def publish_from_thread(job: Callable[[], Coroutine[Any, Any, None]], *, what: str) -> None:
    """Run `job` on the event loop and wait for it. A live update is best effort: a failure is
    logged, and costs the update only, since what it announces is already committed."""
    try:
        anyio.from_thread.run(job)
    except Exception:
        log.exception("publishing %s failed; it is committed", what)
