"""The user interfaces: customer tracking page, Control Tower, driver app."""
