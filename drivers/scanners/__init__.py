"""Barcode scanners: serial (one code per CR/LF-terminated line) and keyboard wedge (key-burst detection)."""

from drivers.scanners.serial_scanner import BarcodeLineDecoder, SerialBarcodeScanner
from drivers.scanners.wedge import KeyboardWedgeDetector, Scan, Typed

__all__ = ["BarcodeLineDecoder", "KeyboardWedgeDetector", "Scan", "SerialBarcodeScanner", "Typed"]
