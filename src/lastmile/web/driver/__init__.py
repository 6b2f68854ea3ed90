"""The driver companion app: an installable web app at `/driver` (shell, manifest, worker)."""
