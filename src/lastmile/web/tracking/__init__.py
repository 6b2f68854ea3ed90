"""The customer's tracking page behind an unguessable link."""
