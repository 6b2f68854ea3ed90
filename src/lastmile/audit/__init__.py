"""The audit log: who changed what and when, append-only, one row per audited change."""
