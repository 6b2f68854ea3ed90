"""Hubs: depots and distribution centres."""
