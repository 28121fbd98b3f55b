"""Photo processing (Pillow) and storage."""
