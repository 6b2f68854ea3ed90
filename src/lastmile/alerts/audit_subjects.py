"""How alerts are named in the audit log, and what acknowledging or resolving one shows."""

from typing import Any

from lastmile.alerts.models import Alert
from lastmile.audit.types import Subject, SubjectType


def alert(row: Alert) -> Subject:
    """Named by its title (`Unscheduled halt of 14 min`), as the inbox shows it."""
    return Subject(SubjectType.ALERT, str(row.id), row.title)


def alert_fields(row: Alert) -> dict[str, Any]:
    return {"status": row.status, "note": row.note}
