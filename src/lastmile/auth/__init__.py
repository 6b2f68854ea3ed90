"""Organisations, users and roles, API keys, web sessions."""
