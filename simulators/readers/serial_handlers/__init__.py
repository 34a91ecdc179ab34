"""pyserial URL handlers (``serial.protocol_handler_packages``) for the reader simulators."""
