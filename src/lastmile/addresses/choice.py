"""Which geocoder the app uses: the one place that reads the `LASTMILE_GEOCODER_*` settings.

Made once at start-up and kept on `app.state` (views reach it through `deps.GeocodersDep`),
never a module global: the HTTP geocoder's cache, rate limit and counters live as long as
the app.
"""

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
    each caller's own session."""

    def __init__(self, remote: HttpGeocoder | None = None) -> None:
        self.remote = remote

    def for_session(self, session: Session) -> Geocoder:
        return self.remote if self.remote is not None else IndexGeocoder(session)

    def health(self) -> dict[str, Any]:
        if self.remote is None:
            return {"kind": "index"}
        return self.remote.health()

    def close(self) -> None:
        if self.remote is not None:
            self.remote.close()


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


def open_geocoders(settings: Settings) -> Geocoders:
    """The geocoders the settings ask for (an HTTP client when `LASTMILE_GEOCODER_URL` is
    set); close them with the app."""
    if not settings.geocoder_url:
        return Geocoders()
    remote = RemoteSettings(
        url=settings.geocoder_url,
        timeout_s=settings.geocoder_timeout_s,
        min_interval_s=settings.geocoder_min_interval_s,
        max_wait_s=settings.geocoder_max_wait_s,
        cache_entries=settings.geocoder_cache_entries,
        cache_ttl_s=settings.geocoder_cache_ttl_s,
        contact=settings.public_url,
    )
    return Geocoders(
        HttpGeocoder(dialect_for(settings.geocoder_url, settings.geocoder_kind), remote)
    )
