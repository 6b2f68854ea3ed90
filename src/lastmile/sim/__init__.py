"""A fleet simulator: drivers' phones driving a planned day on real roads, through the public APIs.

`world` sets a day up through the API (hub, drivers, shipments on the map, plan, routes);
`motion` moves a vehicle along a route's road geometry; `gps` turns true positions into what a
phone reports and uploads; `incidents` scripts what goes wrong, recorded as ground truth;
`driver` puts them together for one driver; `runner` replays every driver against a server at
a chosen speed on a `clock` that never runs ahead of real time.
"""
