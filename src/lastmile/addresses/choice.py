"""Which geocoder the app uses: the one place that reads the `LASTMILE_GEOCODER_*` settings.

Made once with the app and kept on `app.state` (views reach it through
`deps.GeocodersDep`), never a module global: the HTTP geocoder's cache, rate limit and
counters live as long as the app. Its HTTP client is opened at first use, so an app used
without its lifespan (a test client outside `with`) geocodes too, and closed by the lifespan.
"""

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from lastmile.addresses import nominatim, photon
from lastmile.addresses.foreign import Dialect
from lastmile.addresses.geocoder import IndexGeocoder
from lastmile.addresses.remote import HttpGeocoder, RemoteSettings
from lastmile.addresses.types import Geocoder
from lastmile.config import Settings


class Geocoders:
    """The configured geocoding service for everyone, or else the embedded index through
    each caller's own session.

    `open_remote` makes the service's client: called at the first use, once however many
    threads ask at the same moment, and again after `close` if the app is used again.
    """

    def __init__(self, open_remote: Callable[[], HttpGeocoder] | None = None) -> None:
        self._open_remote = open_remote
        self._remote: HttpGeocoder | None = None
        self._lock = threading.Lock()

    @property
    def remote(self) -> HttpGeocoder | None:
        """The service's client, opened now if this is its first use; None: the index."""
        if self._open_remote is None:
            return None
        with self._lock:
            if self._remote is None:
                self._remote = self._open_remote()
            return self._remote

    def for_session(self, session: Session) -> Geocoder:
        remote = self.remote
        return remote if remote is not None else IndexGeocoder(session)

    def health(self) -> dict[str, Any]:
        remote = self.remote
        if remote is None:
            return {"kind": "index"}
        return remote.health()

    def close(self) -> None:
        with self._lock:
            if self._remote is not None:
                self._remote.close()
                self._remote = None


def dialect_for(url: str, kind: str) -> Dialect:
    """Nominatim or Photon, as `kind` says, or (`auto`) as the URL suggests.

    >>> dialect_for("https://photon.komoot.io", "auto").name
    'photon'
    >>> dialect_for("https://nominatim.openstreetmap.org", "auto").name
    'nominatim'
    """
    if kind == "photon" or (kind == "auto" and "photon" in url.lower()):
        return photon.DIALECT
    return nominatim.DIALECT


def configured_geocoders(settings: Settings) -> Geocoders:
    """The geocoders the settings ask for (an HTTP client, opened at first use, when
    `LASTMILE_GEOCODER_URL` is set); close them with the app."""
    url = settings.geocoder_url
    if not url:
        return Geocoders()
    remote = RemoteSettings(
        url=url,
        timeout_s=settings.geocoder_timeout_s,
        min_interval_s=settings.geocoder_min_interval_s,
        max_wait_s=settings.geocoder_max_wait_s,
        cache_entries=settings.geocoder_cache_entries,
        cache_ttl_s=settings.geocoder_cache_ttl_s,
        contact=settings.public_url,
    )
    dialect = dialect_for(url, settings.geocoder_kind)
    return Geocoders(lambda: HttpGeocoder(dialect, remote))
