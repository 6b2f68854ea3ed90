"""The geocoder a view hands down: the app's one `Geocoders`, made at start-up."""

from typing import Annotated

from fastapi import Depends, Request

from lastmile.addresses.choice import Geocoders
from lastmile.addresses.types import Geocoder
from lastmile.api.deps import SessionDep


def _geocoders(request: Request) -> Geocoders:
    geocoders: Geocoders = request.app.state.geocoders
    return geocoders


GeocodersDep = Annotated[Geocoders, Depends(_geocoders)]


def _geocoder(geocoders: GeocodersDep, session: SessionDep) -> Geocoder:
    return geocoders.for_session(session)


GeocoderDep = Annotated[Geocoder, Depends(_geocoder)]
"""The configured service, or the embedded index through the request's session."""
