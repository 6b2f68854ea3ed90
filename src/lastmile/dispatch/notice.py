"""Telling this process's fix hooks that routes changed, so they re-read them at once.

Other processes pick the change up at their next periodic refresh (`FleetMonitor.refresh_s`,
`LiveEta.idle_recheck_s`).
"""

from fastapi import Request

from lastmile.dispatch.models import Route


def routes_changed(request: Request, *routes: Route) -> None:
    ingestor = getattr(request.app.state, "ingestor", None)
    if ingestor is None:
        return
    for route in routes:
        ingestor.route_changed(route.driver_id)
