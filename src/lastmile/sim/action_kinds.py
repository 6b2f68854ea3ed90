"""How simulated drivers report their stops (a name the command line offers without loading
the simulator)."""

from typing import Literal

ActionsKind = Literal["app", "events"]
"""app: drivers sign in to the driver app and work there; events: the integrator's shipment
events sent with an API key."""
