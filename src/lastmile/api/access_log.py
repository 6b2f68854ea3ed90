"""The access log without the secrets some addresses carry: a tracking page's token, an
unsubscribe link's, a token in a query string. Whoever reads the log must not be able to open a
recipient's tracking page or act as its holder."""

import logging
import re

_SECRET_SEGMENT = re.compile(r"^(/t/|/notify/unsubscribe/)[^/?#]+")
_SECRET_QUERY = re.compile(r"([?&](?:token|key|link|access_token|api_key)=)[^&#]*", re.IGNORECASE)
REDACTED = "…"


def redact_path(path: str) -> str:
    """`path` (with its query) with its secret parts replaced by `…`.

    >>> redact_path("/t/Ab3xQ/roads?zoom=3")
    '/t/…/roads?zoom=3'
    >>> redact_path("/api/v1/driver/messages/stream?token=s3cret&after=1")
    '/api/v1/driver/messages/stream?token=…&after=1'
    >>> redact_path("/api/v1/shipments?date=2026-11-24")
    '/api/v1/shipments?date=2026-11-24'
    """
    path = _SECRET_SEGMENT.sub(rf"\g<1>{REDACTED}", path)
    return _SECRET_QUERY.sub(rf"\g<1>{REDACTED}", path)


class RedactSecrets(logging.Filter):
    """Rewrites the path of uvicorn's access records: (client, method, path, version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_path(args[2]), *args[3:])
        return True


def redact_access_log() -> None:
    """Put the filter on uvicorn's access logger, once per process however often it is asked."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(existing, RedactSecrets) for existing in logger.filters):
        logger.addFilter(RedactSecrets())
