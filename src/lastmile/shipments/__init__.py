"""Shipments: tracking numbers, the status lifecycle and its event timeline."""
