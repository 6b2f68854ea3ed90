"""What the tests and the benchmarks share: real server processes, PostgreSQL schemas, a
headless browser, request bodies, a planned route for the simulator."""
