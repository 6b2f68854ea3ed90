"""Notifications: rules (event → message → channel), templates, the durable outbox, channels."""
