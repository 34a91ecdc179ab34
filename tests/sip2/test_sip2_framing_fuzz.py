"""Streaming (FrameReader) and robustness: byte-at-a-time feeding, garbage, hypothesis and mutation fuzzing.

Only :class:`ParseError` may escape the decoder, whatever the bytes.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sip2_samples import POPULATED

from sip2 import codec
from sip2 import messages as m
from sip2.codec import NEED_DATA, FrameReader
from sip2.errors import ChecksumError, ParseError

CHECKOUT = codec.encode(POPULATED["12"], sequence=4)
STATUS = codec.encode(POPULATED["98"], sequence=5, terminator="\r\n")


def drain(reader: FrameReader, data: bytes) -> list[object]:
    """Everything a chunk yields: messages, or the ParseError instances raised for bad frames."""
    events: list[object] = []
    iterator_data = data
    while True:
        try:
            events.extend(reader.feed(iterator_data))
            return events
        except ParseError as exc:
            events.append(exc)
            iterator_data = b""


def test_byte_at_a_time_emits_nothing_early() -> None:
    reader = FrameReader()
    for index in range(len(CHECKOUT) - 1):
        assert drain(reader, CHECKOUT[index:index + 1]) == []
    assert drain(reader, CHECKOUT[-1:]) == [POPULATED["12"]]
    assert reader.terminator == "\r"
    assert reader.next_message() is NEED_DATA


def test_garbage_before_and_after_byte_at_a_time() -> None:
    stream = b"\x00\xffgarbage\r\n" + CHECKOUT + b"\n\n" + STATUS + b"noise without end"
    reader = FrameReader()
    events: list[object] = []
    for byte in stream:
        events.extend(drain(reader, bytes([byte])))
    assert len(events) == 3
    assert isinstance(events[0], ParseError)
    assert events[1:] == [POPULATED["12"], POPULATED["98"]]
    assert reader.buffered == len(b"noise without end")


def test_several_frames_in_one_read_and_crlf_detection() -> None:
    reader = FrameReader()
    assert drain(reader, STATUS + STATUS) == [POPULATED["98"], POPULATED["98"]]
    assert reader.terminator == "\r\n"
    assert reader.frames_seen == 2 and reader.last_frame == STATUS.rstrip(b"\r\n")


def test_crlf_split_between_reads_is_detected() -> None:
    reader = FrameReader()
    assert drain(reader, STATUS[:-1]) == [POPULATED["98"]]
    assert reader.terminator == "\r"
    assert drain(reader, b"\n") == []
    assert reader.terminator == "\r\n"


def test_bad_frame_does_not_lose_the_next_one() -> None:
    corrupted = bytearray(CHECKOUT)
    corrupted[30] ^= 0x01
    reader = FrameReader()
    events = drain(reader, bytes(corrupted) + CHECKOUT)
    assert isinstance(events[0], ChecksumError) and events[1] == POPULATED["12"]


def test_runaway_frame_is_refused_then_reader_resynchronises() -> None:
    reader = FrameReader(max_frame_length=100)
    events = drain(reader, b"9" * 150)
    assert len(events) == 1 and isinstance(events[0], ParseError)
    assert "no frame terminator" in str(events[0])
    assert drain(reader, b"tail of the runaway\r" + CHECKOUT) == [POPULATED["12"]]


def test_encoding_is_configurable() -> None:
    frame = codec.encode(POPULATED["24"], encoding="cp850")
    assert drain(FrameReader("cp850"), frame) == [POPULATED["24"]]
    assert isinstance(drain(FrameReader("utf-8"), frame)[0], ParseError)


@given(st.binary(max_size=300))
def test_decode_arbitrary_bytes_only_parse_error(data: bytes) -> None:
    try:
        codec.decode(data)
    except ParseError:
        pass


@given(st.lists(st.binary(max_size=40), max_size=12))
def test_reader_arbitrary_chunks_only_parse_error(chunks: list[bytes]) -> None:
    reader = FrameReader()
    for chunk in chunks:
        drain(reader, chunk)


@given(st.sampled_from(sorted(POPULATED)), st.integers(min_value=0, max_value=9),
       st.sampled_from(["utf-8", "cp850", "latin-1"]), st.data())
def test_split_anywhere_round_trip(command: str, sequence: int, encoding: str, data: st.DataObject) -> None:
    frame = codec.encode(POPULATED[command], sequence=sequence, encoding=encoding)
    cut = data.draw(st.integers(min_value=0, max_value=len(frame)))
    reader = FrameReader(encoding)
    events = drain(reader, frame[:cut]) + drain(reader, frame[cut:])
    assert events == [POPULATED[command]]


_SIP_TEXT = st.text(alphabet=st.characters(blacklist_characters="|\r\n", blacklist_categories=("Cs",)),
                    max_size=30)


@given(_SIP_TEXT, _SIP_TEXT, st.lists(_SIP_TEXT, max_size=4), st.booleans())
def test_checkout_response_property_round_trip(title: str, item: str, screens: list[str], ok: bool) -> None:
    import unicodedata
    title, item = unicodedata.normalize("NFC", title), unicodedata.normalize("NFC", item)
    screens = [unicodedata.normalize("NFC", screen) for screen in screens]
    message = m.CheckoutResponse(ok=ok, title=title, item_id=item, screen_messages=tuple(screens))
    decoded = codec.decode(codec.encode(message))
    assert isinstance(decoded, m.CheckoutResponse)
    assert (decoded.ok, decoded.title, decoded.item_id, decoded.screen_messages) == (
        ok, title, item, tuple(screens))


def _mutate(frame: bytearray, rng: random.Random) -> bytes:
    for _ in range(rng.randint(1, 4)):
        operation = rng.randrange(5)
        position = rng.randrange(len(frame) + 1)
        if operation == 0 and frame:  # flip a bit
            frame[min(position, len(frame) - 1)] ^= 1 << rng.randrange(8)
        elif operation == 1:  # insert a byte, often a delimiter
            frame.insert(position, rng.choice(b"|\r\nAYZ09\xc3\xff" + bytes([rng.randrange(256)])))
        elif operation == 2 and frame:  # delete
            del frame[min(position, len(frame) - 1)]
        elif operation == 3:  # truncate
            del frame[position:]
        else:  # duplicate a slice
            frame[position:position] = frame[max(0, position - 8):position]
    return bytes(frame)


@pytest.mark.slow
def test_mutation_fuzz_100000_frames_only_parse_error() -> None:
    rng = random.Random(20240301)
    seeds = [codec.encode(message, sequence=3) for message in POPULATED.values()]
    seeds += [codec.encode(message, error_detection=False) for message in POPULATED.values()]
    outcomes = {"decoded": 0, "parse_error": 0}
    reader = FrameReader()
    for round_number in range(100_000):
        data = _mutate(bytearray(rng.choice(seeds)), rng)
        try:
            codec.decode(data, verify_checksum=round_number % 2 == 0)
            outcomes["decoded"] += 1
        except ParseError:
            outcomes["parse_error"] += 1
        if round_number % 10 == 0:
            drain(reader, data)
    assert outcomes["decoded"] > 1_000 and outcomes["parse_error"] > 10_000, outcomes
