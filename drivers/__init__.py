"""Device drivers: item readers, card readers, barcode scanners and alarm outputs (protocol + transport)."""
