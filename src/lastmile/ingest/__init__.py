"""GPS ingestion: protocol decoders (`protocols/`) and the fix path (`pipeline.py`)."""
