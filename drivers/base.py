"""The small interface every item reader implements, and the values it returns.

Stations (kiosk, gate, encoding station) only see this interface; each wire
protocol (FEIG ISO-host, 3M, TI TRF7970A) is a driver module implementing it
over a transport. UIDs are ``bytes`` in MSB-first order as printed on labels
(``E0 04 01 …``); drivers translate to the order their protocol uses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from iso28560.model import DecodedTag


@dataclass(frozen=True, slots=True)
class TagInfo:
    """One tag seen by an inventory."""

    uid: bytes
    dsfid: int | None = None
    antenna: int | None = None

    @property
    def uid_hex(self) -> str:
        return self.uid.hex().upper()


@dataclass(frozen=True, slots=True)
class SystemInfo:
    """ISO 15693 Get System Information answer."""

    uid: bytes
    dsfid: int | None
    afi: int | None
    block_size: int | None
    block_count: int | None
    ic_reference: int | None


@dataclass(frozen=True, slots=True)
class BlockData:
    """Blocks read from a tag: concatenated data and one lock flag per block."""

    first_block: int
    data: bytes
    locked: tuple[bool, ...]


@dataclass(frozen=True, slots=True)
class ReaderInfo:
    """What the reader says about itself."""

    model: str
    firmware: str
    antennas: int = 1


@dataclass(frozen=True, slots=True)
class TagRead:
    """A whole tag: system information, user memory, lock map and its decoded content."""

    uid: bytes
    system: SystemInfo
    memory: bytes
    locked: tuple[bool, ...]
    decoded: DecodedTag


@dataclass(frozen=True, slots=True)
class InventoryRead:
    """A tag found by an inventory that returned its memory too (NXP INVENTORY READ)."""

    uid: bytes
    first_block: int
    data: bytes  # tag memory order
    antenna: int | None = None


@dataclass(frozen=True, slots=True)
class InventoryReadResult:
    """One inventory-read round: the tags that answered cleanly, and how many answers collided."""

    tags: tuple[InventoryRead, ...] = ()
    collisions: int = 0


@runtime_checkable
class InventoryReader(Protocol):
    """Optional capability: find tags and read their first blocks in one exchange.

    Readers with a raw ISO 15693 mode offer it for NXP ICODE tags. ``one_slot=True`` asks
    every tag at once (cheapest when one tag or none answers; several answering tags give
    ``collisions=1`` and no tags); ``one_slot=False`` runs one 16-slot round.
    """

    def inventory_read(self, first: int, count: int, afi: int | None = None, *,
                       one_slot: bool = True) -> InventoryReadResult: ...


#: ``listener(state, error)``: ``("disconnected", ReaderGone)`` when the link drops, ``("connected", None)``
#: when the driver has reconnected.
ConnectionListener = Callable[[str, "BaseException | None"], None]


@runtime_checkable
class ItemReader(Protocol):
    """ISO 15693 item reader. Every method may raise a ``drivers.errors.ReaderError`` subclass.

    Implementations are safe to share between a background inventory loop and
    foreground commands (one command on the wire at a time). Block data is always in
    tag memory order (byte 0 of block 0 first), whatever order the wire protocol uses.
    ``eas_alarm()`` asks every tag in the field (True if any EAS-armed tag answers);
    ``eas_alarm(uid)`` asks that tag only (its EAS bit).

    Optional (not part of the checked protocol, test with ``hasattr``):
    ``add_connection_listener(listener: ConnectionListener) -> None`` registers
    ``listener(state, error)``, called with ``("disconnected", ReaderGone)`` when the link to the reader
    drops (unplug, network loss) and ``("connected", None)`` when the driver has reconnected (it retries
    with backoff by itself). Every driver built on ``drivers.reader_base.ItemReaderBase`` (FEIG, 3M,
    TRF7970A) has it; it raises ``ReaderError`` when the transport was opened without reconnection.
    """

    def info(self) -> ReaderInfo: ...
    def inventory(self, afi: int | None = None, antenna: int | None = None) -> list[TagInfo]: ...
    def read_blocks(self, uid: bytes, first: int, count: int) -> BlockData: ...
    def write_blocks(self, uid: bytes, first: int, data: bytes, verify: bool = True) -> None: ...
    def lock_blocks(self, uid: bytes, first: int, count: int) -> None: ...
    def system_info(self, uid: bytes) -> SystemInfo: ...
    def write_afi(self, uid: bytes, afi: int, verify: bool = True) -> None: ...
    def lock_afi(self, uid: bytes) -> None: ...
    def write_dsfid(self, uid: bytes, dsfid: int) -> None: ...
    def eas_set(self, uid: bytes) -> None: ...
    def eas_reset(self, uid: bytes) -> None: ...
    def eas_alarm(self, uid: bytes | None = None) -> bool: ...
    def read_tag(self, uid: bytes) -> TagRead: ...
    def rf_reset(self) -> None: ...
    def select_antenna(self, antenna: int) -> None: ...
    def close(self) -> None: ...
