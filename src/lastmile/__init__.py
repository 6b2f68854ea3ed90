"""Lastmile: self-hostable last-mile delivery tracking."""

__version__ = "0.1.0"
