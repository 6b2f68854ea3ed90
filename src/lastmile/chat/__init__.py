"""Messages between a driver and the dispatchers, delivered live over the bus."""
