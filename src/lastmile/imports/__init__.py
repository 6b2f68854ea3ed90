"""Orders imported from CSV and Excel files: read, map columns, preview, create."""
