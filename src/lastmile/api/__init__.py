"""HTTP concerns shared by every domain: problem+json, idempotency, body limits, pagination."""
