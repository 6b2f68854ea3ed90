"""Drivers' credentials: PINs with lockout, app sessions, one-time sign-in links; below ingest
(whose driver endpoints resolve a session) and above fleet."""
