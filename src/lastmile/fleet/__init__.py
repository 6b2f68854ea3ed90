"""Drivers, their devices, vehicles and shifts."""
