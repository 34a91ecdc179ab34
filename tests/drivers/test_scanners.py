"""Barcode scanners: serial line decoding (pure and over a pty) and keyboard-wedge burst detection."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.errors import ReaderGone
from drivers.scanners import BarcodeLineDecoder, KeyboardWedgeDetector, Scan, SerialBarcodeScanner, Typed
from simulators.cards.scanner import SerialScannerSimulator, human_typing, wedge_scan

EAN13 = "9782070612758"  # ISBN-13 of a Gallimard paperback
LIBRARY_BARCODE = "29900001234567"


# --- serial line decoding ---------------------------------------------------------------------

@pytest.mark.parametrize("terminator", [b"\r", b"\n", b"\r\n"])
def test_each_terminator_ends_one_code(terminator: bytes) -> None:
    decoder = BarcodeLineDecoder()
    assert decoder.feed(EAN13.encode() + terminator + LIBRARY_BARCODE.encode() + terminator) == [
        EAN13, LIBRARY_BARCODE]


def test_crlf_split_across_reads_is_one_terminator() -> None:
    decoder = BarcodeLineDecoder()
    assert decoder.feed(b"123\r") == ["123"]
    assert decoder.feed(b"\n456") == []
    assert decoder.feed(b"\r\n") == ["456"]


def test_byte_at_a_time_emits_nothing_early() -> None:
    decoder = BarcodeLineDecoder()
    out = [decoder.feed(bytes([b])) for b in EAN13.encode()]
    assert out == [[]] * len(EAN13)
    assert decoder.feed(b"\n") == [EAN13]


def test_control_characters_empty_lines_and_prefix() -> None:
    decoder = BarcodeLineDecoder(strip_prefix="]E0")
    assert decoder.feed(b"\r\n\r\n\x02]E0" + EAN13.encode() + b"\x03\r\n  \n") == [EAN13]


def test_runaway_line_is_discarded_not_accumulated() -> None:
    decoder = BarcodeLineDecoder(max_length=16)
    assert decoder.feed(b"A" * 100 + b"\r" + b"OK\r") == ["OK"]
    assert decoder.discarded == 1


@given(st.lists(st.binary(max_size=40), max_size=20))
def test_decoder_never_crashes_and_never_returns_empty_codes(chunks: list[bytes]) -> None:
    decoder = BarcodeLineDecoder(max_length=32)
    for chunk in chunks:
        for code in decoder.feed(chunk):
            assert code and code == code.strip() and "\r" not in code and "\n" not in code


@given(st.lists(st.text(alphabet="0123456789ABCDEFXYZ-", min_size=1, max_size=20), min_size=1, max_size=5),
       st.sampled_from([b"\r", b"\n", b"\r\n"]), st.integers(1, 7))
def test_codes_survive_any_chunking(codes: list[str], terminator: bytes, step: int) -> None:
    stream = b"".join(c.encode() + terminator for c in codes)
    decoder = BarcodeLineDecoder()
    out = []
    for i in range(0, len(stream), step):
        out += decoder.feed(stream[i:i + step])
    assert out == codes


def test_serial_scanner_over_a_pty() -> None:
    with SerialScannerSimulator(b"\r") as sim:
        scanner = SerialBarcodeScanner(sim.device, 9600)
        try:
            assert scanner.read_barcode(timeout=0.05) is None
            sim.scan(EAN13, chunks=4)
            sim.scan(LIBRARY_BARCODE)
            assert scanner.read_barcode(timeout=1) == EAN13
            assert scanner.read_barcode(timeout=1) == LIBRARY_BARCODE
        finally:
            scanner.close()


def test_serial_scanner_missing_port_is_reader_gone() -> None:
    with pytest.raises(ReaderGone, match="cannot open barcode scanner '/dev/ttyNOPE'"):
        SerialBarcodeScanner("/dev/ttyNOPE")


# --- keyboard wedge ---------------------------------------------------------------------------

def feed_all(detector: KeyboardWedgeDetector, events: list[tuple[float, str]]) -> list[Scan | Typed]:
    out: list[Scan | Typed] = []
    for t, key in events:
        out += detector.feed(t, key)
    if detector.pending_deadline is not None:
        out += detector.flush(detector.pending_deadline + 0.001)
    return out


def test_scanner_burst_is_a_scan() -> None:
    assert feed_all(KeyboardWedgeDetector(), wedge_scan(EAN13)) == [Scan(EAN13)]


def test_person_typing_is_passed_through_key_by_key() -> None:
    events = feed_all(KeyboardWedgeDetector(), [*human_typing("1234", seed=1), (5.0, "Enter")])
    assert all(isinstance(e, Typed) for e in events)
    assert "".join(e.text for e in events) == "1234"
    assert events[-1].keys[-1] == "Enter"


def test_scan_in_the_middle_of_typing() -> None:
    typed = human_typing("ab", start=0.0, seed=2)
    scan = wedge_scan(LIBRARY_BARCODE, start=1.0)
    after = human_typing("c", start=2.0)
    out = feed_all(KeyboardWedgeDetector(), typed + scan + after)
    assert Scan(LIBRARY_BARCODE) in out
    assert "".join(e.text for e in out if isinstance(e, Typed)) == "abc"


def test_burst_without_terminator_is_resolved_by_flush() -> None:
    detector = KeyboardWedgeDetector()
    for t, key in wedge_scan("12345", terminator=None):
        assert detector.feed(t, key) == []
    deadline = detector.pending_deadline
    assert deadline is not None
    assert detector.flush(deadline - 0.01) == []  # still possible that more keys come
    assert detector.flush(deadline + 0.001) == [Scan("12345")]
    assert detector.pending_deadline is None


def test_require_terminator_turns_unterminated_bursts_into_typing() -> None:
    detector = KeyboardWedgeDetector(require_terminator=True)
    assert feed_all(detector, wedge_scan("12345", terminator=None)) == [Typed(tuple("12345"))]


def test_short_fast_rollover_is_typing() -> None:
    # A person rolling two keys 20 ms apart then pressing Enter: not a scan.
    out = feed_all(KeyboardWedgeDetector(), [(0.0, "o"), (0.02, "k"), (0.3, "Enter")])
    assert out == [Typed(("o", "k")), Typed(("Enter",))]


def test_named_keys_pass_through_and_break_bursts() -> None:
    out = feed_all(KeyboardWedgeDetector(), [(0.0, "a"), (0.004, "Backspace")])
    assert out == [Typed(("a",)), Typed(("Backspace",))]


def test_invalid_settings_are_rejected() -> None:
    with pytest.raises(ValueError, match="max_interval"):
        KeyboardWedgeDetector(max_interval=0)


@given(st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=4, max_size=30),
       st.floats(0.001, 0.03))
def test_any_fast_burst_is_recovered_exactly(code: str, interval: float) -> None:
    assert feed_all(KeyboardWedgeDetector(), wedge_scan(code, interval=interval)) == [Scan(code)]


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=20), st.integers(0, 999))
def test_human_typing_never_becomes_a_scan(text: str, seed: int) -> None:
    out = feed_all(KeyboardWedgeDetector(), human_typing(text, seed=seed))
    assert all(isinstance(e, Typed) for e in out)
    assert "".join(e.text for e in out) == text
