"""Per-organisation settings: branding, tracking-page rules, reschedule rules, feedback tags."""
