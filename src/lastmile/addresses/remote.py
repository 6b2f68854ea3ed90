"""The one class that talks to a geocoding service (Nominatim or Photon) over HTTP.

Everything else is pure (`nominatim.py`, `photon.py`, `foreign.py`). A service that cannot
answer (a timeout, a refused connection, a 429, a 5xx, a payload not in its format) never
fails the caller: the text gets `NoAnswer` with the reason, logged and counted in
`failures` (shown by `/healthz`). Answers are cached; requests are spaced by the service's
rate limit, and after a 429 nothing is asked until its `Retry-After` has passed.
"""

import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Final

import httpx

import lastmile
from lastmile.addresses.foreign import BadPayload, Dialect, Found, judge
from lastmile.addresses.throttle import Throttle
from lastmile.addresses.ttl_cache import TtlCache
from lastmile.addresses.types import Candidate, Near, NoAnswer
from lastmile.db import utcnow

log = logging.getLogger(__name__)

DEFAULT_RETRY_AFTER_S: Final = 60.0
"""How long to leave a service alone after a 429 that names no `Retry-After`."""

TIMEOUT: Final = "timeout"
UNREACHABLE: Final = "unreachable"
RATE_LIMITED: Final = "rate_limited"
"""The service answered 429."""
THROTTLED: Final = "throttled"
"""Our own spacing (or a 429's pause) would have kept the caller waiting too long."""
SERVER_ERROR: Final = "server_error"
BAD_PAYLOAD: Final = "bad_payload"


@dataclass(frozen=True, slots=True)
class RemoteSettings:
    """What `HttpGeocoder` needs from the settings (`LASTMILE_GEOCODER_*`)."""

    url: str
    timeout_s: float = 5.0
    min_interval_s: float = 1.0
    max_wait_s: float = 10.0
    cache_entries: int = 10_000
    cache_ttl_s: float = 7 * 24 * 3600.0
    contact: str = ""


class _Unanswered(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


class HttpGeocoder:
    """`Geocoder` on a Nominatim or Photon service: one instance per app, shared by threads."""

    def __init__(
        self,
        dialect: Dialect,
        settings: RemoteSettings,
        *,
        throttle: Throttle | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.dialect = dialect
        self._settings = settings
        self._throttle = throttle or Throttle(settings.min_interval_s)
        self._searches: TtlCache[tuple[str, Near | None, str | None], list[Found]] = TtlCache(
            settings.cache_entries, settings.cache_ttl_s
        )
        self._reverses: TtlCache[tuple[float, float], Found | None] = TtlCache(
            settings.cache_entries, settings.cache_ttl_s
        )
        agent = f"Lastmile/{lastmile.__version__} (+{settings.contact or 'self-hosted'})"
        self._client = httpx.Client(
            base_url=settings.url.rstrip("/"),
            timeout=httpx.Timeout(settings.timeout_s),
            headers={"User-Agent": agent, "Accept": "application/json"},
            transport=transport,
        )
        self.failures: Counter[str] = Counter()
        self.requests = 0

    def close(self) -> None:
        self._client.close()

    def health(self) -> dict[str, object]:
        return {
            "kind": self.dialect.name,
            "requests": self.requests,
            "failures": dict(sorted(self.failures.items())),
            "blocked_for_s": round(self._throttle.blocked_for_s(), 1),
        }

    def geocode(
        self, text: str, near: Near | None = None, country: str | None = None
    ) -> list[Candidate]:
        return self.geocode_many([text], near=near, country=country)[0]

    def geocode_many(
        self, texts: Sequence[str], near: Near | None = None, country: str | None = None
    ) -> list[list[Candidate]]:
        """One request per distinct text not cached; the waits for turns share one budget
        (`max_wait_s`), so a bulk create never waits on the service longer than that."""
        if near is not None:
            near = Near(round(near.lat, 3), round(near.lon, 3))  # cache nearby hubs as one
        deadline_s = self._settings.max_wait_s
        answers: dict[str, list[Candidate]] = {}
        for text in dict.fromkeys(texts):
            cache_key = (" ".join(text.split()).lower(), near, country)
            found = self._searches.get(cache_key)
            if found is None:
                started = self._now_s()
                try:
                    payload = self._ask(
                        self.dialect.search_path,
                        self.dialect.search_params(text, near, country),
                        max_wait_s=deadline_s,
                    )
                    found = self.dialect.decode_search(payload)
                except BadPayload as error:
                    answers[text] = self._unanswered(_Unanswered(BAD_PAYLOAD, str(error)))
                    continue
                except _Unanswered as error:
                    answers[text] = self._unanswered(error)
                    continue
                finally:
                    deadline_s = max(0.0, deadline_s - (self._now_s() - started))
                self._searches.put(cache_key, found)
            answers[text] = judge(text, found, country)
        return [answers[t] for t in texts]

    def reverse(self, lat: float, lon: float) -> Candidate | None:
        """The service's nearest address; None as well when it cannot be asked (counted)."""
        cache_key = (round(lat, 5), round(lon, 5))
        found = self._reverses.get(cache_key)
        if found is None:
            try:
                payload = self._ask(
                    self.dialect.reverse_path,
                    self.dialect.reverse_params(lat, lon),
                    max_wait_s=self._settings.max_wait_s,
                )
                found = self.dialect.decode_reverse(payload)
            except BadPayload as error:
                self._unanswered(_Unanswered(BAD_PAYLOAD, str(error)))
                return None
            except _Unanswered as error:
                self._unanswered(error)
                return None
            self._reverses.put(cache_key, found)
        if found is None:
            return None
        text = f"{found.matched.street or ''} {found.matched.housenumber or ''}"
        candidates = judge(text, [found])
        return candidates[0] if candidates else None

    def _ask(self, path: str, params: dict[str, str], *, max_wait_s: float) -> object:
        blocked_s = self._throttle.blocked_for_s()
        if not self._throttle.acquire(max_wait_s):
            why = f"a 429 asked for {blocked_s:.0f} s more" if blocked_s else "the rate limit"
            raise _Unanswered(THROTTLED, f"not asked: {why} exceeds the wait of {max_wait_s} s")
        self.requests += 1
        try:
            response = self._client.get(path, params=params)
        except httpx.TimeoutException as error:
            raise _Unanswered(TIMEOUT, f"no answer within {self._settings.timeout_s} s") from error
        except httpx.TransportError as error:
            raise _Unanswered(UNREACHABLE, str(error) or type(error).__name__) from error
        if response.status_code == 429:
            retry_s = retry_after_s(response.headers.get("Retry-After"))
            self._throttle.back_off(retry_s)
            raise _Unanswered(RATE_LIMITED, f"429 Too Many Requests; retrying after {retry_s} s")
        if response.status_code >= 400:
            raise _Unanswered(SERVER_ERROR, f"answered {response.status_code}")
        try:
            return response.json()
        except ValueError as error:
            raise _Unanswered(BAD_PAYLOAD, f"not JSON: {error}") from error

    def _unanswered(self, error: _Unanswered) -> NoAnswer:
        self.failures[error.reason] += 1
        log.warning("geocoder %s: %s (%s)", self.dialect.name, error.reason, error)
        return NoAnswer(f"the {self.dialect.name} geocoder did not answer: {error}")

    @staticmethod
    def _now_s() -> float:
        return time.monotonic()


def retry_after_s(value: str | None) -> float:
    """`Retry-After` in seconds: delay-seconds or an HTTP date (RFC 9110 §10.2.3).

    >>> retry_after_s("3"), retry_after_s(None), retry_after_s("soon")
    (3.0, 60.0, 60.0)
    """
    if value is None:
        return DEFAULT_RETRY_AFTER_S
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER_S
    if when.tzinfo is None:
        return DEFAULT_RETRY_AFTER_S
    return max(0.0, (when - utcnow()).total_seconds())
