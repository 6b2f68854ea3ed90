"""Exception alerts: detectors over the fix stream and the schedule, and the alert lifecycle."""
