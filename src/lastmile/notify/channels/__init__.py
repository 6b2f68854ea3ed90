"""Channels: how a rendered message leaves the building (SMS, email, webhook, browser push)."""
