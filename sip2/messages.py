"""Every SIP2 message a self-service station exchanges, as frozen dataclasses (both directions).

Each class declares its wire layout in field metadata: fixed-width fields in order (``fixed``), then variable
fields by two-letter code (``code``), so :mod:`sip2.codec` encodes and decodes all of them with one table.
Field kinds:

- fixed: ``bool10`` ("1"/"0"), ``yn`` ("Y"/"N"), ``ynu`` ("Y"/"N"/"U" -> ``None``), ``date`` (18 chars),
  ``int`` (zero-padded digits; blanks -> ``None``), ``str`` (exact width), ``flags`` (14-char patron status),
  ``summary`` (10-char patron-information summary);
- variable: ``str``, ``list`` (repeatable, e.g. ``AF`` screen messages), ``yn`` (Y/N -> ``bool``), ``int``,
  ``int4`` (four digits on the wire).

Coded fields carry their enum (``typed=...`` in the metadata): circulation status, security marker and
fee type of an 18 response, media type (CK), alert type (CV) and language. A known code becomes the enum
member (``CirculationStatus.CHARGED``), whether decoded or passed to the constructor; as the enums are
``IntEnum`` / ``StrEnum`` they still compare equal to the plain ``4`` or ``"001"``. A code the enum does not
know (a SIGB's local media type "015", circulation status 00) is kept as the plain ``int`` / ``str``: never
refused, never lost, so ``isinstance(value, MediaType)`` tells a known code from a local one.

Fields the SIGB sends that a class does not know, and typed fields whose value does not fit their type, land
in ``extra`` as ``(code, value)`` pairs: preserved in order, never dropped, re-emitted by the encoder.
Decoded messages carry ``sequence`` (AY) and ``raw`` (the frame as received, without terminator); neither
takes part in equality. Passwords and PINs are excluded from ``repr`` so they never reach a log line.

Invalid messages cannot be constructed: fixed fields are checked in ``__post_init__``; characters that cannot
appear inside a variable field ('|', CR, LF) are refused by the encoder.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from sip2.errors import LocalProtocolError

PROTOCOL_VERSION = "2.00"


class Language(enum.StrEnum):
    """The three-digit language of 23/24 and 63/64 messages (SIP 2.00 table); the network uses 002 French."""

    UNKNOWN = "000"
    ENGLISH = "001"
    FRENCH = "002"
    GERMAN = "003"
    ITALIAN = "004"
    DUTCH = "005"
    SWEDISH = "006"
    FINNISH = "007"
    SPANISH = "008"
    DANISH = "009"
    PORTUGUESE = "010"
    CANADIAN_FRENCH = "011"
    NORWEGIAN = "012"
    HEBREW = "013"
    JAPANESE = "014"
    RUSSIAN = "015"
    ARABIC = "016"
    POLISH = "017"
    GREEK = "018"
    CHINESE = "019"
    KOREAN = "020"
    NORTH_AMERICAN_SPANISH = "021"
    TAMIL = "022"
    MALAY = "023"
    UNITED_KINGDOM = "024"
    ICELANDIC = "025"
    BELGIAN = "026"
    TAIWANESE = "027"


LANGUAGE_UNKNOWN = Language.UNKNOWN
LANGUAGE_ENGLISH = Language.ENGLISH
LANGUAGE_FRENCH = Language.FRENCH


class CirculationStatus(enum.IntEnum):
    """Item circulation status of an 18 item information response."""

    OTHER = 1
    ON_ORDER = 2
    AVAILABLE = 3
    CHARGED = 4
    CHARGED_NOT_TO_BE_RECALLED = 5
    IN_PROCESS = 6
    RECALLED = 7
    WAITING_ON_HOLD_SHELF = 8
    WAITING_TO_BE_RESHELVED = 9
    IN_TRANSIT = 10
    CLAIMED_RETURNED = 11
    LOST = 12
    MISSING = 13


class SecurityMarker(enum.IntEnum):
    OTHER = 0
    NONE = 1
    TATTLE_TAPE = 2
    WHISPER_TAPE = 3


class AlertType(enum.StrEnum):
    """3M checkin extension ``CV``: why the checkin response sets the alert flag."""

    UNKNOWN = "00"
    HOLD_HERE = "01"
    HOLD_OTHER_BRANCH = "02"
    HOLD_ILL = "03"
    SEND_TO_OTHER_BRANCH = "04"
    OTHER_KOHA = "98"
    OTHER = "99"


class MediaType(enum.StrEnum):
    OTHER = "000"
    BOOK = "001"
    MAGAZINE = "002"
    BOUND_JOURNAL = "003"
    AUDIO_TAPE = "004"
    VIDEO_TAPE = "005"
    CD_CDROM = "006"
    DISKETTE = "007"
    BOOK_WITH_DISKETTE = "008"
    BOOK_WITH_CD = "009"
    BOOK_WITH_AUDIO_TAPE = "010"


class FeeType(enum.IntEnum):
    OTHER = 1
    ADMINISTRATIVE = 2
    DAMAGE = 3
    OVERDUE = 4
    PROCESSING = 5
    RENTAL = 6
    REPLACEMENT = 7
    COMPUTER_ACCESS = 8
    HOLD_FEE = 9


# BX, in order: which request messages the SIGB supports.
SUPPORTED_MESSAGE_ORDER = (
    "23", "11", "09", "01", "99", "97", "93", "63", "35", "37", "17", "19", "25", "15", "29", "65",
)
SUMMARY_NAMES = (
    "hold_items", "overdue_items", "charged_items", "fine_items", "recall_items", "unavailable_holds",
)

_FLAG_NAMES = (
    "charge_privileges_denied", "renewal_privileges_denied", "recall_privileges_denied",
    "hold_privileges_denied", "card_reported_lost", "too_many_items_charged", "too_many_items_overdue",
    "too_many_renewals",
    "too_many_claims_of_items_returned", "too_many_items_lost", "excessive_outstanding_fines",
    "excessive_outstanding_fees", "recall_overdue", "too_many_items_billed",
)


@dataclass(frozen=True, slots=True)
class PatronStatusFlags:
    """The 14-character patron status of 24 and 64 responses ('Y' = set), as named booleans."""

    charge_privileges_denied: bool = False
    renewal_privileges_denied: bool = False
    recall_privileges_denied: bool = False
    hold_privileges_denied: bool = False
    card_reported_lost: bool = False
    too_many_items_charged: bool = False
    too_many_items_overdue: bool = False
    too_many_renewals: bool = False
    too_many_claims_of_items_returned: bool = False
    too_many_items_lost: bool = False
    excessive_outstanding_fines: bool = False
    excessive_outstanding_fees: bool = False
    recall_overdue: bool = False
    too_many_items_billed: bool = False

    NAMES: ClassVar[tuple[str, ...]] = _FLAG_NAMES

    @classmethod
    def from_sip(cls, text: str) -> PatronStatusFlags:
        """Parse 14 characters: 'Y' (any case) sets a flag, blank or 'N' clears it. Raises ``ValueError``."""
        if len(text) != 14:
            raise ValueError(f"patron status has 14 characters, got {len(text)}")
        if text == "              ":
            return _NO_FLAGS
        values = []
        for position, char in enumerate(text):
            if char not in "YyNn ":
                raise ValueError(f"patron status position {position} must be 'Y' or blank, got {char!r}")
            values.append(char in "Yy")
        return cls(*values)

    def to_sip(self) -> str:
        return "".join("Y" if getattr(self, name) else " " for name in _FLAG_NAMES)

    @property
    def set_flags(self) -> tuple[str, ...]:
        return tuple(name for name in _FLAG_NAMES if getattr(self, name))

    @property
    def blocked(self) -> bool:
        """True if the SIGB denies charging: the kiosk must refuse checkouts."""
        return self.charge_privileges_denied or self.card_reported_lost


_NO_FLAGS = PatronStatusFlags()


def fixed(kind: str, width: int, *, typed: type[enum.Enum] | None = None) -> dict[str, Any]:
    """Field metadata: a fixed-position field of ``width`` characters; ``typed``: the enum of its codes."""
    return {"fixed": width, "kind": kind, "typed": typed}


def var(code: str, *, kind: str = "str", required: bool = False,
        typed: type[enum.Enum] | None = None) -> dict[str, Any]:
    """Field metadata: variable field ``code``; ``required`` ones are always sent, even empty.

    Secret fields (passwords, PINs) are declared with ``repr=False`` so they never reach a log line.
    """
    return {"code": code, "kind": kind, "required": required, "typed": typed}


def code_lookup(enum_class: type[enum.Enum]) -> dict[Any, enum.Enum]:
    """Wire value -> member, for turning a decoded code into its enum member with one dict lookup."""
    return {member.value: member for member in enum_class}


def typed_fields(cls: type) -> tuple[tuple[str, dict[Any, enum.Enum]], ...]:
    """``(field name, code lookup)`` of every coded field of a message class."""
    return tuple((f.name, code_lookup(f.metadata["typed"]))
                 for f in dataclasses.fields(cls) if f.metadata.get("typed") is not None)


SCREEN_MESSAGES = var("AF", kind="list")
PRINT_LINES = var("AG", kind="list")


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """Base of every SIP2 message; ``COMMAND`` is its two-digit identifier."""

    COMMAND: ClassVar[str] = ""
    extra: tuple[tuple[str, str], ...] = ()
    sequence: int | None = field(default=None, compare=False)
    raw: str = field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        _validate_fixed(self)
        _use_enum_members(self)
        if self.sequence is not None and not 0 <= self.sequence <= 9:
            raise LocalProtocolError(
                f"{type(self).__name__}: sequence number must be 0-9, got {self.sequence}")


# --- requests (SC -> ACS) --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class LoginRequest(Message):
    COMMAND: ClassVar[str] = "93"
    uid_algorithm: str = field(default="0", metadata=fixed("str", 1))
    pwd_algorithm: str = field(default="0", metadata=fixed("str", 1))
    login_user_id: str = field(default="", metadata=var("CN", required=True))
    login_password: str = field(default="", repr=False, metadata=var("CO", required=True))
    location_code: str = field(default="", metadata=var("CP"))


@dataclass(frozen=True, slots=True, kw_only=True)
class SCStatus(Message):
    COMMAND: ClassVar[str] = "99"
    status_code: int = field(default=0, metadata=fixed("int", 1))
    max_print_width: int = field(default=80, metadata=fixed("int", 3))
    protocol_version: str = field(default=PROTOCOL_VERSION, metadata=fixed("str", 4))


@dataclass(frozen=True, slots=True, kw_only=True)
class PatronInformationRequest(Message):
    COMMAND: ClassVar[str] = "63"
    language: Language | str = field(default=Language.FRENCH, metadata=fixed("str", 3, typed=Language))
    transaction_date: datetime | None = field(default=None, metadata=fixed("date", 18))
    summary: str | None = field(default=None, metadata=fixed("summary", 10))
    institution_id: str = field(default="", metadata=var("AO", required=True))
    patron_id: str = field(default="", metadata=var("AA", required=True))
    terminal_password: str = field(default="", repr=False, metadata=var("AC"))
    patron_password: str = field(default="", repr=False, metadata=var("AD"))
    start_item: int | None = field(default=None, metadata=var("BP", kind="int"))
    end_item: int | None = field(default=None, metadata=var("BQ", kind="int"))


@dataclass(frozen=True, slots=True, kw_only=True)
class PatronStatusRequest(Message):
    COMMAND: ClassVar[str] = "23"
    language: Language | str = field(default=Language.FRENCH, metadata=fixed("str", 3, typed=Language))
    transaction_date: datetime | None = field(default=None, metadata=fixed("date", 18))
    institution_id: str = field(default="", metadata=var("AO", required=True))
    patron_id: str = field(default="", metadata=var("AA", required=True))
    terminal_password: str = field(default="", repr=False, metadata=var("AC", required=True))
    patron_password: str = field(default="", repr=False, metadata=var("AD", required=True))


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckoutRequest(Message):
    COMMAND: ClassVar[str] = "11"
    sc_renewal_policy: bool = field(default=False, metadata=fixed("yn", 1))
    no_block: bool = field(default=False, metadata=fixed("yn", 1))
    transaction_date: datetime | None = field(default=None, metadata=fixed("date", 18))
    nb_due_date: datetime | None = field(default=None, metadata=fixed("date", 18))
    institution_id: str = field(default="", metadata=var("AO", required=True))
    patron_id: str = field(default="", metadata=var("AA", required=True))
    item_id: str = field(default="", metadata=var("AB", required=True))
    terminal_password: str = field(default="", repr=False, metadata=var("AC", required=True))
    item_properties: str = field(default="", metadata=var("CH"))
    patron_password: str = field(default="", repr=False, metadata=var("AD"))
    fee_acknowledged: bool | None = field(default=None, metadata=var("BO", kind="yn"))
    cancel: bool | None = field(default=None, metadata=var("BI", kind="yn"))


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckinRequest(Message):
    COMMAND: ClassVar[str] = "09"
    no_block: bool = field(default=False, metadata=fixed("yn", 1))
    transaction_date: datetime | None = field(default=None, metadata=fixed("date", 18))
    return_date: datetime | None = field(default=None, metadata=fixed("date", 18))
    current_location: str = field(default="", metadata=var("AP", required=True))
    institution_id: str = field(default="", metadata=var("AO", required=True))
    item_id: str = field(default="", metadata=var("AB", required=True))
    terminal_password: str = field(default="", repr=False, metadata=var("AC", required=True))
    item_properties: str = field(default="", metadata=var("CH"))
    cancel: bool | None = field(default=None, metadata=var("BI", kind="yn"))


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemInformationRequest(Message):
    COMMAND: ClassVar[str] = "17"
    transaction_date: datetime | None = field(default=None, metadata=fixed("date", 18))
    institution_id: str = field(default="", metadata=var("AO", required=True))
    item_id: str = field(default="", metadata=var("AB", required=True))
    terminal_password: str = field(default="", repr=False, metadata=var("AC"))


@dataclass(frozen=True, slots=True, kw_only=True)
class RenewRequest(Message):
    COMMAND: ClassVar[str] = "29"
    third_party_allowed: bool = field(default=False, metadata=fixed("yn", 1))
    no_block: bool = field(default=False, metadata=fixed("yn", 1))
    transaction_date: datetime | None = field(default=None, metadata=fixed("date", 18))
    nb_due_date: datetime | None = field(default=None, metadata=fixed("date", 18))
    institution_id: str = field(default="", metadata=var("AO", required=True))
    patron_id: str = field(default="", metadata=var("AA", required=True))
    patron_password: str = field(default="", repr=False, metadata=var("AD"))
    item_id: str = field(default="", metadata=var("AB"))
    title: str = field(default="", metadata=var("AJ"))
    terminal_password: str = field(default="", repr=False, metadata=var("AC"))
    item_properties: str = field(default="", metadata=var("CH"))
    fee_acknowledged: bool | None = field(default=None, metadata=var("BO", kind="yn"))


@dataclass(frozen=True, slots=True, kw_only=True)
class RenewAllRequest(Message):
    COMMAND: ClassVar[str] = "65"
    transaction_date: datetime | None = field(default=None, metadata=fixed("date", 18))
    institution_id: str = field(default="", metadata=var("AO", required=True))
    patron_id: str = field(default="", metadata=var("AA", required=True))
    patron_password: str = field(default="", repr=False, metadata=var("AD"))
    terminal_password: str = field(default="", repr=False, metadata=var("AC"))
    fee_acknowledged: bool | None = field(default=None, metadata=var("BO", kind="yn"))


@dataclass(frozen=True, slots=True, kw_only=True)
class EndPatronSessionRequest(Message):
    COMMAND: ClassVar[str] = "35"
    transaction_date: datetime | None = field(default=None, metadata=fixed("date", 18))
    institution_id: str = field(default="", metadata=var("AO", required=True))
    patron_id: str = field(default="", metadata=var("AA", required=True))
    terminal_password: str = field(default="", repr=False, metadata=var("AC"))
    patron_password: str = field(default="", repr=False, metadata=var("AD"))


@dataclass(frozen=True, slots=True, kw_only=True)
class FeePaidRequest(Message):
    COMMAND: ClassVar[str] = "37"
    transaction_date: datetime | None = field(default=None, metadata=fixed("date", 18))
    fee_type: FeeType | int = field(default=FeeType.OTHER, metadata=fixed("int", 2, typed=FeeType))
    payment_type: int = field(default=0, metadata=fixed("int", 2))
    currency_type: str = field(default="EUR", metadata=fixed("str", 3))
    fee_amount: str = field(default="", metadata=var("BV", required=True))
    institution_id: str = field(default="", metadata=var("AO", required=True))
    patron_id: str = field(default="", metadata=var("AA", required=True))
    terminal_password: str = field(default="", repr=False, metadata=var("AC"))
    patron_password: str = field(default="", repr=False, metadata=var("AD"))
    fee_id: str = field(default="", metadata=var("CG"))
    transaction_id: str = field(default="", metadata=var("BK"))


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestACSResend(Message):
    """97: the SC asks the SIGB to send its last response again (after a timeout or a corrupted reply)."""

    COMMAND: ClassVar[str] = "97"


# --- responses (ACS -> SC) -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class LoginResponse(Message):
    COMMAND: ClassVar[str] = "94"
    ok: bool = field(default=False, metadata=fixed("bool10", 1))
    screen_messages: tuple[str, ...] = field(default=(), metadata=SCREEN_MESSAGES)  # not in 2.00


@dataclass(frozen=True, slots=True, kw_only=True)
class ACSStatus(Message):
    COMMAND: ClassVar[str] = "98"
    online_status: bool = field(default=True, metadata=fixed("yn", 1))
    checkin_ok: bool = field(default=True, metadata=fixed("yn", 1))
    checkout_ok: bool = field(default=True, metadata=fixed("yn", 1))
    acs_renewal_policy: bool = field(default=True, metadata=fixed("yn", 1))
    status_update_ok: bool = field(default=False, metadata=fixed("yn", 1))
    offline_ok: bool = field(default=False, metadata=fixed("yn", 1))
    timeout_period: int | None = field(default=None, metadata=fixed("int", 3))
    retries_allowed: int | None = field(default=None, metadata=fixed("int", 3))
    date_time_sync: datetime | None = field(default=None, metadata=fixed("date", 18))
    protocol_version: str = field(default=PROTOCOL_VERSION, metadata=fixed("str", 4))
    institution_id: str = field(default="", metadata=var("AO", required=True))
    library_name: str = field(default="", metadata=var("AM"))
    supported_messages: str = field(default="", metadata=var("BX", required=True))
    terminal_location: str = field(default="", metadata=var("AN"))
    screen_messages: tuple[str, ...] = field(default=(), metadata=SCREEN_MESSAGES)
    print_lines: tuple[str, ...] = field(default=(), metadata=PRINT_LINES)

    @property
    def ok(self) -> bool:
        return self.online_status

    @property
    def supported(self) -> frozenset[str]:
        """Identifiers of the request messages the SIGB says it supports (from BX)."""
        flags = self.supported_messages
        pairs = zip(SUPPORTED_MESSAGE_ORDER, flags, strict=False)
        return frozenset(code for code, flag in pairs if flag in "Yy")

    def supports(self, command: str) -> bool:
        return command in self.supported


@dataclass(frozen=True, slots=True, kw_only=True)
class PatronStatusResponse(Message):
    COMMAND: ClassVar[str] = "24"
    status: PatronStatusFlags = field(default=_NO_FLAGS, metadata=fixed("flags", 14))
    language: Language | str = field(default=Language.FRENCH, metadata=fixed("str", 3, typed=Language))
    transaction_date: datetime | None = field(default=None, metadata=fixed("date", 18))
    institution_id: str = field(default="", metadata=var("AO", required=True))
    patron_id: str = field(default="", metadata=var("AA", required=True))
    personal_name: str = field(default="", metadata=var("AE", required=True))
    valid_patron: bool | None = field(default=None, metadata=var("BL", kind="yn"))
    valid_pin: bool | None = field(default=None, metadata=var("CQ", kind="yn"))
    currency_type: str = field(default="", metadata=var("BH"))
    fee_amount: str = field(default="", metadata=var("BV"))
    screen_messages: tuple[str, ...] = field(default=(), metadata=SCREEN_MESSAGES)
    print_lines: tuple[str, ...] = field(default=(), metadata=PRINT_LINES)

    @property
    def ok(self) -> bool:
        return _patron_ok(self.valid_patron, self.valid_pin, self.personal_name)


@dataclass(frozen=True, slots=True, kw_only=True)
class PatronInformation(Message):
    COMMAND: ClassVar[str] = "64"
    status: PatronStatusFlags = field(default=_NO_FLAGS, metadata=fixed("flags", 14))
    language: Language | str = field(default=Language.FRENCH, metadata=fixed("str", 3, typed=Language))
    transaction_date: datetime | None = field(default=None, metadata=fixed("date", 18))
    hold_items_count: int | None = field(default=0, metadata=fixed("int", 4))
    overdue_items_count: int | None = field(default=0, metadata=fixed("int", 4))
    charged_items_count: int | None = field(default=0, metadata=fixed("int", 4))
    fine_items_count: int | None = field(default=0, metadata=fixed("int", 4))
    recall_items_count: int | None = field(default=0, metadata=fixed("int", 4))
    unavailable_holds_count: int | None = field(default=0, metadata=fixed("int", 4))
    institution_id: str = field(default="", metadata=var("AO", required=True))
    patron_id: str = field(default="", metadata=var("AA", required=True))
    personal_name: str = field(default="", metadata=var("AE", required=True))
    hold_items_limit: int | None = field(default=None, metadata=var("BZ", kind="int4"))
    overdue_items_limit: int | None = field(default=None, metadata=var("CA", kind="int4"))
    charged_items_limit: int | None = field(default=None, metadata=var("CB", kind="int4"))
    valid_patron: bool | None = field(default=None, metadata=var("BL", kind="yn"))
    valid_pin: bool | None = field(default=None, metadata=var("CQ", kind="yn"))
    currency_type: str = field(default="", metadata=var("BH"))
    fee_amount: str = field(default="", metadata=var("BV"))
    fee_limit: str = field(default="", metadata=var("CC"))
    hold_items: tuple[str, ...] = field(default=(), metadata=var("AS", kind="list"))
    overdue_items: tuple[str, ...] = field(default=(), metadata=var("AT", kind="list"))
    charged_items: tuple[str, ...] = field(default=(), metadata=var("AU", kind="list"))
    fine_items: tuple[str, ...] = field(default=(), metadata=var("AV", kind="list"))
    recall_items: tuple[str, ...] = field(default=(), metadata=var("BU", kind="list"))
    unavailable_hold_items: tuple[str, ...] = field(default=(), metadata=var("CD", kind="list"))
    home_address: str = field(default="", metadata=var("BD"))
    email_address: str = field(default="", metadata=var("BE"))
    home_phone_number: str = field(default="", metadata=var("BF"))
    home_library: str = field(default="", metadata=var("AQ"))  # Koha's extension: the patron's home branch
    screen_messages: tuple[str, ...] = field(default=(), metadata=SCREEN_MESSAGES)
    print_lines: tuple[str, ...] = field(default=(), metadata=PRINT_LINES)

    @property
    def ok(self) -> bool:
        return _patron_ok(self.valid_patron, self.valid_pin, self.personal_name)


@dataclass(frozen=True, slots=True, kw_only=True)
class _LoanResponse(Message):
    """The layout SIP2 gives both the 12 checkout and the 30 renew response: one loan and its due date."""

    ok: bool = field(default=False, metadata=fixed("bool10", 1))
    renewal_ok: bool = field(default=False, metadata=fixed("yn", 1))
    magnetic_media: bool | None = field(default=None, metadata=fixed("ynu", 1))
    desensitize: bool | None = field(default=None, metadata=fixed("ynu", 1))
    transaction_date: datetime | None = field(default=None, metadata=fixed("date", 18))
    institution_id: str = field(default="", metadata=var("AO", required=True))
    patron_id: str = field(default="", metadata=var("AA", required=True))
    item_id: str = field(default="", metadata=var("AB", required=True))
    title: str = field(default="", metadata=var("AJ", required=True))
    due_date_raw: str = field(default="", metadata=var("AH", required=True))
    fee_type: str = field(default="", metadata=var("BT"))
    security_inhibit: bool | None = field(default=None, metadata=var("CI", kind="yn"))
    currency_type: str = field(default="", metadata=var("BH"))
    fee_amount: str = field(default="", metadata=var("BV"))
    media_type: MediaType | str = field(default="", metadata=var("CK", typed=MediaType))
    item_properties: str = field(default="", metadata=var("CH"))
    transaction_id: str = field(default="", metadata=var("BK"))
    screen_messages: tuple[str, ...] = field(default=(), metadata=SCREEN_MESSAGES)
    print_lines: tuple[str, ...] = field(default=(), metadata=PRINT_LINES)

    @property
    def due_date(self) -> datetime | None:
        """``AH`` parsed leniently (SIP, ISO or display formats); ``None`` if empty or unrecognised."""
        return _due_date(self.due_date_raw)


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckoutResponse(_LoanResponse):
    COMMAND: ClassVar[str] = "12"


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckinResponse(Message):
    COMMAND: ClassVar[str] = "10"
    ok: bool = field(default=False, metadata=fixed("bool10", 1))
    resensitize: bool = field(default=False, metadata=fixed("yn", 1))
    magnetic_media: bool | None = field(default=None, metadata=fixed("ynu", 1))
    alert: bool = field(default=False, metadata=fixed("yn", 1))
    transaction_date: datetime | None = field(default=None, metadata=fixed("date", 18))
    institution_id: str = field(default="", metadata=var("AO", required=True))
    item_id: str = field(default="", metadata=var("AB", required=True))
    permanent_location: str = field(default="", metadata=var("AQ", required=True))
    title: str = field(default="", metadata=var("AJ"))
    sort_bin: str = field(default="", metadata=var("CL"))
    patron_id: str = field(default="", metadata=var("AA"))
    media_type: MediaType | str = field(default="", metadata=var("CK", typed=MediaType))
    item_properties: str = field(default="", metadata=var("CH"))
    # 3M / Koha extensions
    collection_code: str = field(default="", metadata=var("CR"))
    call_number: str = field(default="", metadata=var("CS"))
    destination: str = field(default="", metadata=var("CT"))
    alert_type: AlertType | str | None = field(default=None, metadata=var("CV", typed=AlertType))
    hold_patron_id: str = field(default="", metadata=var("CY"))
    hold_patron_name: str = field(default="", metadata=var("DA"))
    screen_messages: tuple[str, ...] = field(default=(), metadata=SCREEN_MESSAGES)
    print_lines: tuple[str, ...] = field(default=(), metadata=PRINT_LINES)


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemInformation(Message):
    COMMAND: ClassVar[str] = "18"
    circulation_status: CirculationStatus | int = field(
        default=CirculationStatus.OTHER, metadata=fixed("int", 2, typed=CirculationStatus))
    security_marker: SecurityMarker | int = field(
        default=SecurityMarker.OTHER, metadata=fixed("int", 2, typed=SecurityMarker))
    fee_type: FeeType | int = field(default=FeeType.OTHER, metadata=fixed("int", 2, typed=FeeType))
    transaction_date: datetime | None = field(default=None, metadata=fixed("date", 18))
    hold_queue_length: int | None = field(default=None, metadata=var("CF", kind="int"))
    due_date_raw: str = field(default="", metadata=var("AH"))
    recall_date: str = field(default="", metadata=var("CJ"))
    hold_pickup_date: str = field(default="", metadata=var("CM"))
    item_id: str = field(default="", metadata=var("AB", required=True))
    title: str = field(default="", metadata=var("AJ", required=True))
    owner: str = field(default="", metadata=var("BG"))
    currency_type: str = field(default="", metadata=var("BH"))
    fee_amount: str = field(default="", metadata=var("BV"))
    media_type: MediaType | str = field(default="", metadata=var("CK", typed=MediaType))
    permanent_location: str = field(default="", metadata=var("AQ"))
    current_location: str = field(default="", metadata=var("AP"))
    item_properties: str = field(default="", metadata=var("CH"))
    patron_id: str = field(default="", metadata=var("AA"))  # who has it, when the SIGB says (not in SIP 2.00)
    collection_code: str = field(default="", metadata=var("CR"))
    call_number: str = field(default="", metadata=var("CS"))
    destination: str = field(default="", metadata=var("CT"))
    screen_messages: tuple[str, ...] = field(default=(), metadata=SCREEN_MESSAGES)
    print_lines: tuple[str, ...] = field(default=(), metadata=PRINT_LINES)

    @property
    def ok(self) -> bool:
        """The SIGB knows the item: it has a title or a circulation status other than 'other'."""
        return bool(self.title) or self.circulation_status not in (0, CirculationStatus.OTHER)

    @property
    def due_date(self) -> datetime | None:
        return _due_date(self.due_date_raw)


@dataclass(frozen=True, slots=True, kw_only=True)
class RenewResponse(_LoanResponse):
    COMMAND: ClassVar[str] = "30"


@dataclass(frozen=True, slots=True, kw_only=True)
class RenewAllResponse(Message):
    COMMAND: ClassVar[str] = "66"
    ok: bool = field(default=False, metadata=fixed("bool10", 1))
    renewed_count: int | None = field(default=0, metadata=fixed("int", 4))
    unrenewed_count: int | None = field(default=0, metadata=fixed("int", 4))
    transaction_date: datetime | None = field(default=None, metadata=fixed("date", 18))
    institution_id: str = field(default="", metadata=var("AO", required=True))
    renewed_items: tuple[str, ...] = field(default=(), metadata=var("BM", kind="list"))
    unrenewed_items: tuple[str, ...] = field(default=(), metadata=var("BN", kind="list"))
    screen_messages: tuple[str, ...] = field(default=(), metadata=SCREEN_MESSAGES)
    print_lines: tuple[str, ...] = field(default=(), metadata=PRINT_LINES)


@dataclass(frozen=True, slots=True, kw_only=True)
class EndSessionResponse(Message):
    COMMAND: ClassVar[str] = "36"
    end_session: bool = field(default=False, metadata=fixed("yn", 1))
    transaction_date: datetime | None = field(default=None, metadata=fixed("date", 18))
    institution_id: str = field(default="", metadata=var("AO", required=True))
    patron_id: str = field(default="", metadata=var("AA", required=True))
    screen_messages: tuple[str, ...] = field(default=(), metadata=SCREEN_MESSAGES)
    print_lines: tuple[str, ...] = field(default=(), metadata=PRINT_LINES)

    @property
    def ok(self) -> bool:
        return self.end_session


@dataclass(frozen=True, slots=True, kw_only=True)
class FeePaidResponse(Message):
    COMMAND: ClassVar[str] = "38"
    payment_accepted: bool = field(default=False, metadata=fixed("yn", 1))
    transaction_date: datetime | None = field(default=None, metadata=fixed("date", 18))
    institution_id: str = field(default="", metadata=var("AO", required=True))
    patron_id: str = field(default="", metadata=var("AA", required=True))
    transaction_id: str = field(default="", metadata=var("BK"))
    screen_messages: tuple[str, ...] = field(default=(), metadata=SCREEN_MESSAGES)
    print_lines: tuple[str, ...] = field(default=(), metadata=PRINT_LINES)

    @property
    def ok(self) -> bool:
        return self.payment_accepted


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestSCResend(Message):
    """96: the SIGB could not read our last message (bad checksum) and asks us to send it again."""

    COMMAND: ClassVar[str] = "96"


@dataclass(frozen=True, slots=True, kw_only=True)
class UnknownMessage(Message):
    """A well-framed message with an identifier this codec does not model (01 block patron, 19, 25, 15 ...).

    ``body`` is everything after the identifier (trailer removed), so a server can still answer or log it.
    """

    command: str = "00"
    body: str = ""

    def __post_init__(self) -> None:
        if len(self.command) != 2 or not (self.command.isdigit() and self.command.isascii()):
            raise LocalProtocolError(f"UnknownMessage.command must be two digits, got {self.command!r}")


REQUEST_TYPES: tuple[type[Message], ...] = (
    LoginRequest, SCStatus, PatronInformationRequest, PatronStatusRequest, CheckoutRequest, CheckinRequest,
    ItemInformationRequest, RenewRequest, RenewAllRequest, EndPatronSessionRequest, FeePaidRequest,
    RequestACSResend,
)
RESPONSE_TYPES: tuple[type[Message], ...] = (
    LoginResponse, ACSStatus, PatronInformation, PatronStatusResponse, CheckoutResponse, CheckinResponse,
    ItemInformation, RenewResponse, RenewAllResponse, EndSessionResponse, FeePaidResponse, RequestSCResend,
)
MESSAGE_TYPES: dict[str, type[Message]] = {cls.COMMAND: cls for cls in REQUEST_TYPES + RESPONSE_TYPES}
# The response each request expects (97 is answered by a repeat of the previous response).
RESPONSE_FOR: dict[str, str] = {
    "93": "94", "99": "98", "63": "64", "23": "24", "11": "12", "09": "10", "17": "18", "29": "30",
    "65": "66", "35": "36", "37": "38",
}


def _patron_ok(valid_patron: bool | None, valid_pin: bool | None, personal_name: str) -> bool:
    """The patron exists (BL, or a name when BL is absent) and the PIN was not refused (24 and 64 alike)."""
    known = valid_patron if valid_patron is not None else bool(personal_name)
    return known and valid_pin is not False


def _due_date(raw: str) -> datetime | None:
    from sip2.dates import parse_due_date

    return parse_due_date(raw)


# --- validation of fixed fields --------------------------------------------------------------------------
# One compiled checker per field, built on first use of a class: validation runs for every decoded frame.


def _bool_problem(value: Any, width: int) -> str | None:
    return None if value is True or value is False else f"must be True or False, got {value!r}"


def _optional_bool_problem(value: Any, width: int) -> str | None:
    if value is None or value is True or value is False:
        return None
    return f"must be True, False or None, got {value!r}"


def _date_problem(value: Any, width: int) -> str | None:
    if value is None or isinstance(value, datetime):
        return None
    return f"must be a datetime or None, got {value!r}"


def _int_problem(value: Any, width: int) -> str | None:
    if value is None or (type(value) is not bool and isinstance(value, int) and 0 <= value < 10**width):
        return None
    return f"must be an integer of at most {width} digits, got {value!r}"


def _str_problem(value: Any, width: int) -> str | None:
    if isinstance(value, str) and len(value) == width and value.isprintable():
        return None
    return f"must be exactly {width} printable characters, got {value!r}"


def _flags_problem(value: Any, width: int) -> str | None:
    return None if isinstance(value, PatronStatusFlags) else f"must be PatronStatusFlags, got {value!r}"


def _summary_problem(value: Any, width: int) -> str | None:
    return None if value is None or value in SUMMARY_NAMES else f"must be None or one of {SUMMARY_NAMES}"


def _use_enum_members(message: Message) -> None:
    """Replace known codes given to the constructor by their enum member (unknown codes stay as given)."""
    cls = type(message)
    fields = _TYPED_FIELDS.get(cls)
    if fields is None:
        fields = _TYPED_FIELDS[cls] = typed_fields(cls)
    for name, lookup in fields:
        value = getattr(message, name)
        try:
            member = lookup.get(value)
        except TypeError:  # unhashable: the encoder will say what is wrong with it
            continue
        if member is not None and member is not value:
            object.__setattr__(message, name, member)


_TYPED_FIELDS: dict[type, tuple[tuple[str, dict[Any, enum.Enum]], ...]] = {}

_CHECKERS = {
    "bool10": _bool_problem, "yn": _bool_problem, "ynu": _optional_bool_problem, "date": _date_problem,
    "int": _int_problem, "str": _str_problem, "flags": _flags_problem, "summary": _summary_problem,
}
_FIXED_CHECKS: dict[type, tuple[tuple[str, Any, int], ...]] = {}


def _validate_fixed(message: Message) -> None:
    cls = type(message)
    checks = _FIXED_CHECKS.get(cls)
    if checks is None:
        checks = _FIXED_CHECKS[cls] = tuple(
            (f.name, _CHECKERS[f.metadata["kind"]], f.metadata["fixed"])
            for f in dataclasses.fields(cls) if "fixed" in f.metadata)
    for name, checker, width in checks:
        problem = checker(getattr(message, name), width)
        if problem:
            raise LocalProtocolError(f"{cls.__name__}.{name}: {problem}")
