"""Customers' ratings of a delivery, tied to the driver and the stop."""
