"""The ETA engine a view hands down: the app's one instance (learned model, road legs, the
rule for when an ETA is worth storing), made at start-up, never a module global."""

from typing import Annotated

from fastapi import Depends, Request

from lastmile.eta.engine import EtaEngine


def _engine(request: Request) -> EtaEngine:
    engine: EtaEngine = request.app.state.eta_engine
    return engine


EtaEngineDep = Annotated[EtaEngine, Depends(_engine)]
