"""ISO 28560 library tag data model: pure codecs for parts 2 and 3 and legacy formats (no I/O)."""
