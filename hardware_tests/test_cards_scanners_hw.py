"""Patron card readers and barcode scanners on real hardware (skipped unless configured).

    BORNE_CARD_READER=nfcpy:usb                 (or pynfc:pn532_uart:/dev/ttyUSB0, iso15693:feig:/dev/ttyUSB0)
    BORNE_CARD_MAPPING=reversed-decimal          (optional: the library's convention)
    BORNE_CARD_EXPECTED=0012345678               (optional: the identifier printed on the test card)
    BORNE_SCANNER=/dev/ttyACM0                   (serial scanner; scan the code in BORNE_SCANNER_EXPECTED)

Procedure: lay the test card on the reader before starting; for the scanner test, scan
the expected code within 15 seconds of the prompt.
"""

from __future__ import annotations

import os

import pytest

from drivers.cards import IdentifierMapping, open_card_reader
from drivers.scanners import SerialBarcodeScanner

pytestmark = pytest.mark.hardware


@pytest.mark.skipif("BORNE_CARD_READER" not in os.environ,
                    reason="set BORNE_CARD_READER to a card reader spec")
def test_card_on_the_reader_is_read() -> None:
    mapping = IdentifierMapping(mode=os.environ.get("BORNE_CARD_MAPPING", "hex"))
    reader = open_card_reader(os.environ["BORNE_CARD_READER"], mapping)
    try:
        card = reader.read_card(timeout=5)
    finally:
        reader.close()
    assert card is not None, "no card seen in 5 s: is the test card on the reader?"
    if "BORNE_CARD_EXPECTED" in os.environ:
        assert card.identifier == os.environ["BORNE_CARD_EXPECTED"]


@pytest.mark.skipif("BORNE_SCANNER" not in os.environ,
                    reason="set BORNE_SCANNER to the scanner's serial port")
def test_scanned_code_arrives() -> None:
    baudrate = int(os.environ.get("BORNE_SCANNER_BAUD", "9600"))
    scanner = SerialBarcodeScanner(os.environ["BORNE_SCANNER"], baudrate)
    try:
        print("scan the test barcode now")
        code = scanner.read_barcode(timeout=15)
    finally:
        scanner.close()
    assert code, "nothing scanned in 15 s"
    if "BORNE_SCANNER_EXPECTED" in os.environ:
        assert code == os.environ["BORNE_SCANNER_EXPECTED"]
