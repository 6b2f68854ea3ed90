"""Proof of delivery: photos, signature, recipient name, one-time code; the blob store."""
