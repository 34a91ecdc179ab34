"""PySide6 views over the plain-Python workflow models of ``kiosk`` and ``gate``."""
