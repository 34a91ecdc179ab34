"""SIP2 frames <-> messages, sans-I/O (no sockets, clocks or threads), in the style of h11.

Wire shape of a frame::

    <2-digit id><fixed fields><XXvalue|XXvalue|...>[AY<seq>AZ<4 hex>]<CR or CRLF>

:func:`encode` turns a :mod:`sip2.messages` dataclass into bytes (both directions, so the simulated SIGB
uses the same code as the client). :class:`FrameReader` accepts bytes in arbitrary chunks (``feed``), splits
frames on CR, LF or CRLF (remembering which terminator the peer uses), verifies the ``AZ`` checksum on the raw
bytes, decodes the text in the configured character set, NFC-normalises it (some SIGBs send accents
decomposed) and parses it.
Every problem with received bytes becomes one :class:`~sip2.errors.ParseError` saying what and where; a bad
frame is consumed, so the reader continues with the next one.

Decoding is table-driven from the field metadata of each message class and stays allocation-light: the client
and the simulator decode every frame on the hot path.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

from sip2.checksum import checksum_hex, is_hex4
from sip2.dates import format_sip_date, parse_sip_date
from sip2.errors import ChecksumError, LocalProtocolError, ParseError
from sip2.messages import (
    MESSAGE_TYPES,
    SUMMARY_NAMES,
    Message,
    PatronStatusFlags,
    UnknownMessage,
    typed_fields,
)

TERMINATORS = {"\r": b"\r", "\r\n": b"\r\n"}
ENCODINGS = ("utf-8", "cp850", "latin-1", "ascii")
MAX_FRAME_LENGTH = 65536
# 96 and 97 carry a checksum but no sequence number: their frames are the constants 96AZFEF6 / 97AZFEF5.
_NO_SEQUENCE = frozenset({"96", "97"})


class _NeedData:
    def __repr__(self) -> str:
        return "NEED_DATA"


NEED_DATA: Any = _NeedData()
"""Returned by :meth:`FrameReader.next_message` when no complete frame is buffered."""


# --- fixed-field converters: text -> value (raise ValueError) and value -> text ------------------------


def _read_bool10(text: str) -> bool:
    if text in "1Yy":
        return True
    if text in "0Nn":
        return False
    raise ValueError(f"expected '1' or '0', got {text!r}")


def _read_yn(text: str) -> bool:
    if text in "Yy1":
        return True
    if text in "Nn0 ":
        return False
    raise ValueError(f"expected 'Y' or 'N', got {text!r}")


def _read_ynu(text: str) -> bool | None:
    if text in "Yy":
        return True
    if text in "Nn":
        return False
    if text in "Uu ":
        return None
    raise ValueError(f"expected 'Y', 'N' or 'U', got {text!r}")


def _read_int(text: str) -> int | None:
    stripped = text.strip(" ")
    if not stripped:
        return None
    if stripped.isdigit() and stripped.isascii():
        return int(stripped)
    raise ValueError(f"expected digits, got {text!r}")


def _read_date(text: str) -> Any:
    return parse_sip_date(text)


def _read_str(text: str) -> str:
    if not text.isprintable():
        raise ValueError(f"control character in {text!r}")
    return text


def _read_summary(text: str) -> str | None:
    for position, char in enumerate(text):
        if char in "Yy":
            if position >= len(SUMMARY_NAMES):
                raise ValueError(f"summary position {position} is not defined by SIP2")
            return SUMMARY_NAMES[position]
        if char not in " Nn":
            raise ValueError(f"summary position {position} must be 'Y' or blank, got {char!r}")
    return None


_FIXED_READERS: dict[str, Callable[[str], Any]] = {
    "bool10": _read_bool10, "yn": _read_yn, "ynu": _read_ynu, "int": _read_int, "date": _read_date,
    "str": _read_str, "flags": PatronStatusFlags.from_sip, "summary": _read_summary,
}


def _write_fixed(kind: str, width: int, value: Any) -> str:
    if kind == "bool10":
        return "1" if value else "0"
    if kind == "yn":
        return "Y" if value else "N"
    if kind == "ynu":
        return "U" if value is None else ("Y" if value else "N")
    if kind == "date":
        return format_sip_date(value)
    if kind == "int":
        return " " * width if value is None else f"{int(value):0{width}d}"
    if kind == "flags":
        return value.to_sip()
    if kind == "summary":
        return "".join("Y" if name == value else " " for name in SUMMARY_NAMES).ljust(10)
    return value


def _write_variable(kind: str, value: Any) -> str | None:
    """Text of a variable field, or ``None`` to leave an optional field out."""
    if kind == "yn":
        return None if value is None else ("Y" if value else "N")
    if kind == "int":
        return None if value is None else str(value)
    if kind == "int4":
        return None if value is None else f"{value:04d}"
    return value


# --- per-class layout tables -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class _Layout:
    cls: type[Message]
    fixed: tuple[tuple[str, str, int, int, Callable[[str], Any]], ...]  # name, kind, width, start, reader
    fixed_end: int
    variable: dict[str, tuple[str, str]]  # code -> (name, kind)
    text_fields: dict[str, str]  # code -> name, for plain text fields (the common case, looked up first)
    encode_order: tuple[tuple[str, str, str, bool], ...]  # name, code, kind, required
    typed: tuple[tuple[str, dict[Any, Any]], ...]  # coded fields: name, wire value -> enum member
    build: Callable[[dict[str, Any], tuple, int | None, str], Message]


def _trusted_constructor(cls: type[Message]) -> Callable[[dict[str, Any], tuple, int | None, str], Message]:
    """A constructor for decoded messages that skips ``__init__``/``__post_init__``.

    A frozen dataclass's ``__init__`` goes through ``object.__setattr__`` for each of up to 30 fields and then
    re-validates the fixed fields: a third of the decode time. The fixed-field readers above already enforce
    what ``__post_init__`` checks, so decoding assigns the slots directly, in straight-line code generated
    here the way :mod:`dataclasses` generates ``__init__``.
    """
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls}
    lines = ["def build(values, extra, sequence, raw):", "    obj = new(cls)", "    get = values.get"]
    for index, f in enumerate(dataclasses.fields(cls)):
        namespace[f"set{index}"] = getattr(cls, f.name).__set__
        namespace[f"default{index}"] = f.default
        if f.name in ("extra", "sequence", "raw"):
            lines.append(f"    set{index}(obj, {f.name})")
        else:
            lines.append(f"    set{index}(obj, get({f.name!r}, default{index}))")
    lines.append("    return obj")
    exec("\n".join(lines), namespace)  # code built from our own field names only
    return namespace["build"]


def _build_layout(cls: type[Message]) -> _Layout:
    fixed, variable, order = [], {}, []
    position = 2
    for f in dataclasses.fields(cls):
        meta = f.metadata
        if "fixed" in meta:
            fixed.append((f.name, meta["kind"], meta["fixed"], position, _FIXED_READERS[meta["kind"]]))
            position += meta["fixed"]
        elif "code" in meta:
            variable[meta["code"]] = (f.name, meta["kind"])
            order.append((f.name, meta["code"], meta["kind"], meta["required"]))
    text_fields = {code: name for code, (name, kind) in variable.items() if kind == "str"}
    return _Layout(cls, tuple(fixed), position, variable, text_fields, tuple(order), typed_fields(cls),
                   _trusted_constructor(cls))


_LAYOUTS: dict[str, _Layout] = {command: _build_layout(cls) for command, cls in MESSAGE_TYPES.items()}


# --- encoding --------------------------------------------------------------------------------------------


def encode_text(message: Message) -> str:
    """The frame text without trailer and terminator (useful for tests and logs)."""
    if isinstance(message, UnknownMessage):
        _check_field_text("UnknownMessage.body", message.body, allow_bar=True)
        return message.command + message.body
    layout = _LAYOUTS.get(message.COMMAND)
    if layout is None or type(message) is not layout.cls:
        raise LocalProtocolError(f"cannot encode {type(message).__name__}: not a SIP2 message class")
    parts = [message.COMMAND]
    for name, kind, width, _start, _reader in layout.fixed:
        parts.append(_write_fixed(kind, width, getattr(message, name)))
    for name, code, kind, required in layout.encode_order:
        value = getattr(message, name)
        if kind == "list":
            for item in value:
                parts.append(_field(message, name, code, item))
            continue
        text = _write_variable(kind, value)
        if text is None or (not text and not required):
            continue
        parts.append(_field(message, name, code, text))
    for code, value in message.extra:
        if len(code) != 2:
            raise LocalProtocolError(
                f"{type(message).__name__}.extra: field code {code!r} must be 2 characters")
        parts.append(_field(message, "extra", code, value))
    return "".join(parts)


def _field(message: Message, name: str, code: str, text: str) -> str:
    _check_field_text(f"{type(message).__name__}.{name}", text)
    return f"{code}{text}|"


def _check_field_text(where: str, text: Any, *, allow_bar: bool = False) -> None:
    if not isinstance(text, str):
        raise LocalProtocolError(f"{where} must be text, got {type(text).__name__}")
    if "\r" in text or "\n" in text or (not allow_bar and "|" in text):
        raise LocalProtocolError(f"{where} contains '|', CR or LF, which would break the frame: {text!r}")


def encode(message: Message, *, sequence: int | None = None, error_detection: bool = True,
           encoding: str = "utf-8", terminator: str = "\r", errors: str = "strict") -> bytes:
    """The bytes of ``message`` on the wire, terminator included.

    With ``error_detection`` the frame ends with ``AY<sequence>AZ<checksum>`` (96/97: ``AZ`` only). The
    sequence is ``sequence``, else ``message.sequence``, else 0. ``errors`` is passed to ``str.encode``: a
    server answering in cp850 may prefer ``"replace"`` to refusing a title containing 'œ'.
    """
    if terminator not in TERMINATORS:
        raise LocalProtocolError(f"terminator must be '\\r' or '\\r\\n', got {terminator!r}")
    text = encode_text(message)
    if error_detection:
        if message.COMMAND in _NO_SEQUENCE:
            text += "AZ"
        else:
            seq = sequence if sequence is not None else (message.sequence or 0)
            if not isinstance(seq, int) or not 0 <= seq <= 9:
                raise LocalProtocolError(f"sequence number must be 0-9, got {seq!r}")
            text += f"AY{seq}AZ"
    try:
        data = text.encode(encoding, errors)
    except UnicodeEncodeError as exc:
        raise LocalProtocolError(
            f"{type(message).__name__}: {text[exc.start:exc.end]!r} cannot be written in {encoding} "
            f"(character {exc.start}); use a SIGB character set that has it, or errors='replace'"
        ) from None
    except LookupError:
        raise LocalProtocolError(
            f"unknown character set {encoding!r}; use one of {', '.join(ENCODINGS)}") from None
    if error_detection:
        data += checksum_hex(data).encode("ascii")
    return data + TERMINATORS[terminator]


# --- decoding --------------------------------------------------------------------------------------------


def decode(frame: bytes, *, encoding: str = "utf-8", verify_checksum: bool = True) -> Message:
    """Decode one frame (a trailing CR/LF is ignored). Raises :class:`ParseError` for anything malformed."""
    return _decode_frame(frame.rstrip(b"\r\n"), encoding, verify_checksum)


def _decode_frame(frame: bytes, encoding: str, verify_checksum: bool) -> Message:
    try:
        text = frame.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ParseError(
            f"byte {exc.start} (0x{frame[exc.start]:02X}) is not valid {encoding}: the SIGB probably uses "
            f"another character set (try cp850 or latin-1)", frame=frame, offset=exc.start) from None
    except LookupError:
        raise ParseError(f"unknown character set {encoding!r}", frame=frame) from None
    raw = text
    sequence = None
    # "AZ" + 4 bytes ending the frame is the checksum trailer, unless those bytes hold the field separator:
    # then it is the text of a last field ("AEBAZ123|") of a frame without error detection.
    if len(frame) >= 6 and frame[-6:-4] == b"AZ" and 0x7C not in frame[-4:]:
        given = frame[-4:]
        if not is_hex4(given):
            raise ParseError(f"checksum {given.decode('latin-1')!r} after AZ is not four hex digits",
                             frame=frame, offset=len(text) - 4)
        if verify_checksum and int(given, 16) != -sum(frame[:-4]) & 0xFFFF:
            raise ChecksumError(
                f"checksum mismatch: frame says {given.decode('ascii')}, its bytes give "
                f"{checksum_hex(frame[:-4])}", frame=frame, offset=len(text) - 4)
        text = text[:-6]
        if len(text) >= 3 and text[-3:-1] == "AY" and "0" <= text[-1] <= "9":
            sequence = ord(text[-1]) - 48
            text = text[:-3]
    elif text[-3:-1] == "AY" or "AZ" in text[-9:]:
        sequence, text = _trailer_without_checksum(text, frame)
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return _parse(text, sequence, raw, frame)


_TRUNCATED_TRAILER = re.compile(r"(?:AY\dAZ|\|AZ)[0-9A-Fa-f]{0,3}$")


def _trailer_without_checksum(text: str, frame: bytes) -> tuple[int | None, str]:
    """No ``AZ`` checksum: a cut checksum is an error."""
    if _TRUNCATED_TRAILER.search(text):
        raise ParseError(f"malformed error-detection trailer at the end of {text[-12:]!r}: AZ must be "
                         f"followed by four hex digits", frame=frame, offset=text.rfind("AZ"))
    return None, text  # a bare AY<digit> is recognised by _parse, which knows where fixed fields end


def _parse(text: str, sequence: int | None, raw: str, frame: bytes) -> Message:
    command = text[:2]
    layout = _LAYOUTS.get(command)
    if layout is None:
        if len(command) == 2 and command.isdigit() and command.isascii():
            return UnknownMessage(command=command, body=text[2:], sequence=sequence, raw=raw)
        raise ParseError(f"frame does not start with a two-digit message identifier: {text[:20]!r}",
                         frame=frame, offset=0)
    name = layout.cls.__name__
    if sequence is None and text[-3:-1] == "AY" and "0" <= text[-1] <= "9":
        sequence, text = _bare_sequence(text, layout.fixed_end)
    if len(text) < layout.fixed_end:
        raise ParseError(f"{name} ({command}) needs {layout.fixed_end - 2} characters of fixed fields, "
                         f"got {len(text) - 2}: {text!r}", frame=frame, offset=len(text))
    values: dict[str, Any] = {}
    for field_name, _kind, width, start, reader in layout.fixed:
        try:
            values[field_name] = reader(text[start:start + width])
        except ValueError as exc:
            raise ParseError(f"{name} ({command}) field {field_name} at character {start}: {exc}",
                             frame=frame, offset=start) from None
    extra = _parse_variable(text, layout, values, frame)
    for field_name, lookup in layout.typed:  # known codes become enum members; unknown ones stay as read
        member = lookup.get(values.get(field_name))
        if member is not None:
            values[field_name] = member
    return layout.build(values, extra, sequence, raw)


def _bare_sequence(text: str, fixed_end: int) -> tuple[int | None, str]:
    """``AY<digit>`` ending the variable part without a checksum (some SIGBs): the sequence number."""
    start = len(text) - 3
    if start == fixed_end or (start > fixed_end and text[start - 1] == "|"):
        return ord(text[-1]) - 48, text[:start]
    return None, text


def _parse_variable(text: str, layout: _Layout, values: dict[str, Any], frame: bytes) -> tuple:
    extra: list[tuple[str, str]] = []
    lists: dict[str, list[str]] = {}
    text_fields = layout.text_fields
    for piece in text[layout.fixed_end:].split("|"):
        code = piece[:2]
        name = text_fields.get(code)
        if name is not None and name not in values:  # hot path: a plain text field seen once
            values[name] = piece[2:]
            continue
        if name is None and len(piece) > 1:
            spec = layout.variable.get(code)
            if spec is not None:
                name, kind = spec
                if kind == "list":
                    if name in lists:
                        lists[name].append(piece[2:])
                    else:
                        lists[name] = [piece[2:]]
                    continue
                if name not in values:
                    typed = _read_variable(kind, piece[2:])
                    if typed is not _UNFIT:
                        values[name] = typed
                        continue
        elif len(piece) < 2:
            if piece:
                _raise_short_field(text, layout, piece, frame)
            continue
        # unknown code, a repeated single field, or a value that does not fit its type: keep it verbatim
        extra.append((code, piece[2:]))
    for name, items in lists.items():
        values[name] = tuple(items)
    return tuple(extra)


def _raise_short_field(text: str, layout: _Layout, piece: str, frame: bytes) -> None:
    offset = layout.fixed_end
    for candidate in text[layout.fixed_end:].split("|"):
        if candidate == piece:
            break
        offset += len(candidate) + 1
    raise ParseError(f"{layout.cls.__name__}: field {piece!r} at character {offset} is shorter than its "
                     f"two-character code", frame=frame, offset=offset)


_UNFIT: Any = object()


def _read_variable(kind: str, value: str) -> Any:
    if kind == "yn":
        if value in ("Y", "y"):
            return True
        return False if value in ("N", "n") else _UNFIT
    if value.isdigit() and value.isascii():  # int, int4
        return int(value)
    return _UNFIT


# --- streaming -------------------------------------------------------------------------------------------


class FrameReader:
    """Splits a byte stream into frames and decodes them; feed it whatever the transport delivered.

    ``feed(data)`` yields the messages completed by ``data``. A malformed frame raises :class:`ParseError`
    from the iteration; that frame is already consumed, so ``feed(b"")`` resumes with the frames behind it.
    ``terminator`` tells which terminator the peer uses ("\\r" or "\\r\\n", ``None`` until seen) and
    ``last_frame`` holds the raw bytes of the last frame taken from the stream (for diagnostics).
    """

    def __init__(self, encoding: str = "utf-8", *, verify_checksums: bool = True,
                 max_frame_length: int = MAX_FRAME_LENGTH) -> None:
        self.encoding = encoding
        self.verify_checksums = verify_checksums
        self.max_frame_length = max_frame_length
        self.terminator: str | None = None
        self.last_frame: bytes = b""
        self.frames_seen = 0
        self._buffer = bytearray()
        self._after_cr = False
        self._discarding = False

    def receive_data(self, data: bytes) -> None:
        self._buffer += data

    def feed(self, data: bytes) -> Iterator[Message]:
        self._buffer += data
        while True:
            message = self.next_message()
            if message is NEED_DATA:
                return
            yield message

    def next_message(self) -> Message:
        """The next decoded message, or ``NEED_DATA``. Raises :class:`ParseError` for a bad frame."""
        frame = self.next_frame()
        if frame is None:
            return NEED_DATA
        return _decode_frame(frame, self.encoding, self.verify_checksums)

    def next_frame(self) -> bytes | None:
        """The next complete frame (without terminator), or ``None``; empty frames are skipped."""
        buffer = self._buffer
        while buffer:
            if self._after_cr and buffer[0] == 0x0A:
                self.terminator = "\r\n"
                del buffer[0]
                self._after_cr = False
                continue
            end = _terminator_index(buffer)
            if end < 0:
                return self._check_overflow()
            self._after_cr = buffer[end] == 0x0D
            if self.terminator is None or (self._after_cr and self.terminator != "\r\n"):
                self.terminator = "\r" if self._after_cr else "\n"
            if self._after_cr and end + 1 < len(buffer) and buffer[end + 1] == 0x0A:
                self.terminator = "\r\n"
                self._after_cr = False
                frame, skip = bytes(buffer[:end]), end + 2
            else:
                frame, skip = bytes(buffer[:end]), end + 1
            del buffer[:skip]
            if self._discarding:
                self._discarding = False
                continue
            if frame:
                self.last_frame = frame
                self.frames_seen += 1
                return frame
        return None

    def _check_overflow(self) -> None:
        if len(self._buffer) <= self.max_frame_length:
            return None
        size = len(self._buffer)
        self._buffer.clear()
        self._discarding = True
        raise ParseError(f"no frame terminator (CR) within {size} bytes: not SIP2, or a runaway frame; "
                         f"discarding up to the next terminator")

    @property
    def buffered(self) -> int:
        """Bytes received but not yet part of a complete frame."""
        return len(self._buffer)


def _terminator_index(buffer: bytearray) -> int:
    cr = buffer.find(b"\r")
    lf = buffer.find(b"\n", 0, cr if cr >= 0 else len(buffer))
    return lf if lf >= 0 else cr


def redact(text: str) -> str:
    """``text`` with passwords and PINs (CO, AC, AD fields) masked, for log lines."""
    pieces = text.split("|")
    return "|".join(_redact_piece(piece, index == 0) for index, piece in enumerate(pieces))


def _redact_piece(piece: str, first: bool) -> str:
    for code in ("CO", "AC", "AD"):
        if piece.startswith(code) and not first and len(piece) > 2:
            return code + "***"
    return piece
