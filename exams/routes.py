"""Question bank pages (filled below)."""
