"""KPIs and scorecards computed from shipments, events, routes and alerts."""
