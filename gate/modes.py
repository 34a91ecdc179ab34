"""Detection modes: turn one reader's answers in one poll cycle into sightings.

- **AFI** (default): an inventory masked with the secured AFI (0x07), so only secured
  items answer and an empty gate costs one short poll. Each answering tag is
  identified (memory read, cached by UID) only when the policy needs it (cards,
  equipment, foreign owners). When the reader offers it (``InventoryReader``), the
  poll is a one-slot NXP FAST INVENTORY READ masked with the secured AFI: an empty gate
  costs 3.3 ms of air time, a lone secured tag answers with its UID *and* its first
  blocks in one 10 ms exchange, so it is identified in the poll that first hears it.
  Several secured tags answering at once collide; a 16-slot round of the same command
  then reads them all (any tag still colliding goes through the plain inventory).
- **EAS**: the NXP EAS alarm command answers when any tag in the field has its EAS bit
  set (13 ms). Only then an unmasked inventory (an inventory read when the reader
  offers it: identities come along) lists the tags present; each is identified and
  checked individually with the addressed EAS alarm, so the alarm can name the item
  and the policy can ignore a foreign EAS tag. An EAS answer no tag can be tied to
  still alarms (fail secure, unless ``alarm_unidentified`` is off).
- **Database**: for networks whose tags cannot be trusted. Unmasked inventory, every
  tag identified, the alarm decided from the local cache of circulation states kept
  fresh through SIP2 item information. An item never looked up is asked for in the
  background; with ``on_cache_miss = "wait"`` it alarms when the answer comes if the
  item was still seen within ``late_window`` seconds (late rather than wrong).

Detectors are generators: the controller decides on each sighting as it is yielded,
so the first alarming tag switches the outputs before the next tag is read.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from drivers.base import InventoryReader, InventoryReadResult, ItemReader, TagInfo
from drivers.errors import ProtocolError, ReaderTimeout, Unsupported
from iso28560.model import DecodedTag

from .events import CirculationState, Sighting
from .identify import TAG_ERRORS, TagIdentifier
from .item_states import ItemStateService
from .policy import DetectionPolicy

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Seen:
    """One tag one poll found, with its identity when the policy needed it (no UID: tags collided)."""

    uid: bytes | None
    antenna: int | None
    time: float
    decoded: DecodedTag | None
    identified: bool


@dataclass(slots=True)
class _InventoryReadState:
    """What one reader has shown of its inventory read."""

    refused: bool = False  # refused it, or never answered it correctly: inventory + read from then on
    worked: bool = False  # answered it once: later errors are the reader's health
    colliding: bool = False  # its last one-slot round collided


class Detector:
    """Base: finding and identifying tags, shared by all modes."""

    def __init__(
        self, policy: DetectionPolicy, identifier: TagIdentifier, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.policy, self.identifier, self.clock = policy, identifier, clock
        self.announce_collisions = False  # yield a UID-less sighting when the one-slot poll starts colliding
        self._readers: dict[int, _InventoryReadState] = {}  # by id() of the reader object

    def poll(self, reader_name: str, reader: ItemReader, antenna: int | None) -> Iterator[Sighting]:
        raise NotImplementedError

    def _cached_first(self, tags: list[TagInfo]) -> list[TagInfo]:
        """Tags already identified cost nothing: decide on them before reading new ones."""
        return sorted(tags, key=lambda tag: self.identifier.cached(tag.uid) is None)

    def _identify(self, reader: ItemReader, uid: bytes, dsfid: int | None) -> tuple[DecodedTag | None, bool]:
        if not self.policy.needs_identification:
            return None, True
        decoded = self.identifier.identify(reader, uid, dsfid)
        return decoded, decoded is not None

    def _seen_tags(self, reader_name: str, reader: ItemReader, antenna: int | None,
                   afi: int | None) -> Iterator[_Seen]:
        """Every tag answering ``afi`` (None: all), identified when the policy needs it.

        With an inventory-read reader the tags come with their memory; tags that kept
        colliding, and every tag with other readers, come from an inventory and a read.
        """
        done: set[bytes] = set()
        result = self._inventory_read(reader_name, reader, antenna, afi, one_slot=True)
        if result is not None and result.collisions:
            state = self._state(reader)
            onset, state.colliding = not state.colliding, True
            if self.announce_collisions and onset:
                # Only when collisions start: a group lingering between the pedestals is announced once.
                yield _Seen(None, antenna, self.clock(), None, False)
            result = self._inventory_read(reader_name, reader, antenna, afi, one_slot=False)
        elif result is not None:
            self._state(reader).colliding = False
        if result is not None:
            seen = self.clock()
            for tag in sorted(result.tags, key=lambda t: self.identifier.cached(t.uid) is None):
                decoded = self.identifier.from_memory(reader, tag.uid, tag.first_block, tag.data)
                done.add(tag.uid)
                yield _Seen(tag.uid, tag.antenna, seen, decoded, decoded is not None)
            if not result.collisions:
                return
        for tag in self._cached_first(reader.inventory(afi=afi, antenna=antenna)):
            if tag.uid in done:
                continue
            seen = self.clock()
            decoded, identified = self._identify(reader, tag.uid, tag.dsfid)
            yield _Seen(tag.uid, tag.antenna or antenna, seen, decoded, identified)

    def _inventory_read(self, reader_name: str, reader: ItemReader, antenna: int | None,
                        afi: int | None, one_slot: bool) -> InventoryReadResult | None:
        """One inventory-read round; None when the reader cannot do it here."""
        usable = (
            self.policy.needs_identification
            and self.policy.policy.inventory_read
            and antenna is None
            and isinstance(reader, InventoryReader)
            and not self._state(reader).refused
        )
        if not usable:
            return None
        try:
            result = reader.inventory_read(  # type: ignore[attr-defined]
                0, self.identifier.blocks, afi=afi, one_slot=one_slot)
        except (Unsupported, ReaderTimeout, ProtocolError) as exc:
            if not isinstance(exc, Unsupported) and self._state(reader).worked:
                raise  # it worked before: this is the reader's health, not the command
            # Refused, or never understood (a reader says nothing to a frame it cannot take): a
            # firmware without the transparent command must not look like a dead reader.
            self._state(reader).refused = True
            log.warning("reader %s cannot inventory-read (%s): inventory then read from now on",
                        reader_name, exc)
            return None
        self._state(reader).worked = True
        return result

    def _state(self, reader: ItemReader) -> _InventoryReadState:
        return self._readers.setdefault(id(reader), _InventoryReadState())


class AfiDetector(Detector):
    def __init__(self, policy: DetectionPolicy, identifier: TagIdentifier,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(policy, identifier, clock)
        self.announce_collisions = policy.policy.on_collision == "alarm"

    def poll(self, reader_name: str, reader: ItemReader, antenna: int | None) -> Iterator[Sighting]:
        secured = self.policy.profile.afi_secured
        for tag in self._seen_tags(reader_name, reader, antenna, secured):
            yield Sighting(
                time=tag.time,
                uid=tag.uid,
                reader=reader_name,
                antenna=tag.antenna,
                afi=secured,
                decoded=tag.decoded,
                identified=tag.identified,
            )


class EasDetector(Detector):
    def __init__(
        self,
        policy: DetectionPolicy,
        identifier: TagIdentifier,
        clock: Callable[[], float] = time.monotonic,
        memory_s: float = 1.5,
    ) -> None:
        super().__init__(policy, identifier, clock)
        self.memory_s = memory_s
        self._eas: dict[bytes, tuple[float, bool | None]] = {}  # uid -> (checked at, its EAS bit)
        self._last: Sighting | None = None  # the last armed tag named
        self._explained: Sighting | None = None  # the last card or foreign tag that explained an answer

    def poll(self, reader_name: str, reader: ItemReader, antenna: int | None) -> Iterator[Sighting]:
        if antenna is not None:
            reader.select_antenna(antenna)
        if not reader.eas_alarm():
            return
        # The EAS answer is anonymous: a tag is first read by the inventory that follows.
        tags = self._tags_present(reader_name, reader, antenna) if self.policy.needs_identification else []
        seen = self.clock()
        attributed, explained = False, None
        for tag in tags:
            known = self.identifier.cached(tag.uid)
            if known is not None and self.policy.exclusion(known) is not None:
                # A card or foreign tag seen before never alarms: no EAS question (10 ms) for it.
                explained = Sighting(
                    time=seen,
                    uid=tag.uid,
                    reader=reader_name,
                    antenna=tag.antenna or antenna,
                    eas=True,
                    decoded=known,
                )
                continue
            # Ask each tag (addressed EAS alarm, 10 ms, remembered for ``memory_s``) before naming
            # it: even a lone tag may not be the one that answered, when the armed tag left the
            # field between the EAS poll and the inventory (a visitor leaving, the next arriving).
            if self._eas_of(reader, tag.uid, seen) is False:
                continue
            decoded, identified = self._identify(reader, tag.uid, tag.dsfid)
            attributed = True
            self._last = Sighting(
                time=seen,
                uid=tag.uid,
                reader=reader_name,
                antenna=tag.antenna or antenna,
                eas=True,
                decoded=decoded,
                identified=identified,
            )  # type: ignore[arg-type]
            yield self._last
        if attributed:
            return
        if explained is not None:  # the armed tag is one the policy ignores: silent
            self._explained = explained
            yield explained
            return
        for recent in (self._last, self._explained):
            if recent is not None and seen - recent.time <= self.memory_s:
                # The armed tag just named (or set aside) is leaving the field: it answered the
                # EAS poll, not the inventory that followed. Same passage, not a new alarm.
                yield replace(recent, time=seen)
                return
        yield Sighting(time=seen, uid=None, reader=reader_name, antenna=antenna, eas=True, identified=False)

    def _tags_present(self, reader_name: str, reader: ItemReader, antenna: int | None) -> list[TagInfo]:
        """Every tag in the field; with an inventory-read reader their memory comes along (cached), so
        cards and foreign tags are set aside before any EAS question and armed items need no read."""
        result = self._inventory_read(reader_name, reader, antenna, None, one_slot=True)
        if result is not None and result.collisions:
            result = self._inventory_read(reader_name, reader, antenna, None, one_slot=False)
        if result is None:
            return reader.inventory(antenna=antenna)
        for tag in result.tags:
            self.identifier.from_memory(reader, tag.uid, tag.first_block, tag.data)
        tags = [TagInfo(tag.uid, None, tag.antenna) for tag in result.tags]
        if result.collisions:
            found = {tag.uid for tag in tags}
            tags += [tag for tag in reader.inventory(antenna=antenna) if tag.uid not in found]
        return tags

    def _eas_of(self, reader: ItemReader, uid: bytes, now: float) -> bool | None:
        """The tag's own EAS bit (addressed EAS alarm), or None when the tag did not answer at all."""
        cached = self._eas.get(uid)
        if cached is not None and now - cached[0] <= self.memory_s:
            return cached[1]
        try:
            armed: bool | None = reader.eas_alarm(uid)
        except TAG_ERRORS:
            armed = None
        self._eas = {u: v for u, v in self._eas.items() if now - v[0] <= self.memory_s}
        self._eas[uid] = (now, armed)
        return armed


class DatabaseDetector(Detector):
    def __init__(
        self,
        policy: DetectionPolicy,
        identifier: TagIdentifier,
        states: ItemStateService,
        late_window: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(policy, identifier, clock)
        self.states, self.late_window = states, late_window
        self._waiting: dict[str, Sighting] = {}  # item id -> last sighting without a state
        self._answered: list[CirculationState] = []
        self._lock = threading.Lock()
        states.listeners.append(self._on_state)

    def _on_state(self, state: CirculationState) -> None:
        with self._lock:
            if state.item_id in self._waiting:
                self._answered.append(state)

    def poll(self, reader_name: str, reader: ItemReader, antenna: int | None) -> Iterator[Sighting]:
        yield from self._late()
        for tag in self._seen_tags(reader_name, reader, antenna, None):
            seen, decoded = tag.time, tag.decoded
            item_id = decoded.primary_item_identifier if decoded is not None else None
            excluded = self.policy.exclusion(decoded) is not None  # cards, equipment, foreign: never asked
            state = self.states.state(item_id) if item_id and not excluded else None
            sighting = Sighting(
                time=seen,
                uid=tag.uid,
                reader=reader_name,
                antenna=tag.antenna or antenna,
                decoded=decoded,
                identified=decoded is not None,
                circulation=state,
            )
            if item_id and state is None and not excluded:
                with self._lock:
                    self._waiting[item_id] = sighting
            yield sighting

    def _late(self) -> Iterator[Sighting]:
        """Sightings of items whose state arrived after they were seen (still recent enough to matter)."""
        with self._lock:
            answered, self._answered = self._answered, []
            now = self.clock()
            late = [(self._waiting.pop(s.item_id), s) for s in answered if s.item_id in self._waiting]
            self._waiting = {k: v for k, v in self._waiting.items() if now - v.time <= self.late_window}
        for sighting, state in late:
            if now - sighting.time <= self.late_window:
                yield Sighting(
                    time=now,
                    uid=sighting.uid,
                    reader=sighting.reader,
                    antenna=sighting.antenna,
                    decoded=sighting.decoded,
                    identified=True,
                    circulation=state,
                )


def make_detector(
    mode: str,
    policy: DetectionPolicy,
    identifier: TagIdentifier,
    states: ItemStateService | None,
    clock: Callable[[], float] = time.monotonic,
) -> Detector:
    if mode == "afi":
        return AfiDetector(policy, identifier, clock)
    if mode == "eas":
        return EasDetector(policy, identifier, clock)
    if mode == "database":
        if states is None:
            raise ValueError("database mode needs an item state service (SIP2)")
        return DatabaseDetector(policy, identifier, states, clock=clock)
    raise ValueError(f"unknown gate mode {mode!r}")
