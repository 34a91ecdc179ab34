"""The RF field of one reader: which tags hear a request, who answers, collisions, air time.

Theory of operation
-------------------
Reader simulators never touch tags directly. They call :meth:`RFField.transact` with one
ISO 15693 request (air order, no CRC) and get every answer heard, or
:meth:`RFField.inventory` which runs the real ISO 15693-3 16-slot anticollision: each
round sends an inventory request with a mask, tags answer in the slot given by the next
4 UID bits, slots where several tags answered are polled again with a longer mask. Two
tags with the same UID (clones) can never be separated and stay reported as collisions.

Each placed tag has a read probability (orientation, distance): on every request it
answers only with that probability. Identical simultaneous answers (NXP EAS alarm) add
up on the air instead of colliding, as on real tags.

Air time: every operation adds its ISO 15693 duration (:mod:`simulators.airtime`) to
``air_time``; with ``airtime`` on, the field also sleeps that long, so a simulated reader
is no faster than the air allows. Tags that tear a write leave the field and may come
back later; scenario scripts (:mod:`simulators.scenario`) place and remove tags over time.
All methods are thread-safe (a scenario thread may move tags while a reader reads).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from simulators import airtime as air
from simulators.airtime import INVENTORY_RESPONSE_BYTES
from simulators.tags import (
    FAST_COMMANDS,
    FLAG_AFI,
    FLAG_INVENTORY,
    FLAG_ONE_SLOT,
    PROGRAMMING_COMMANDS,
    SlixTag,
)

DATA_RATE_HIGH = 0x02


@dataclass
class Placement:
    tag: SlixTag
    read_probability: float = 1.0
    antenna: int = 1


@dataclass(frozen=True, slots=True)
class FieldReply:
    """Everything heard after one request."""

    responses: tuple[bytes, ...]

    @property
    def silent(self) -> bool:
        return not self.responses

    @property
    def collision(self) -> bool:
        """Several different answers overlapped (identical answers add up cleanly)."""
        return len(set(self.responses)) > 1

    @property
    def response(self) -> bytes | None:
        """The single clean answer, or None when silent or collided."""
        return self.responses[0] if self.responses and not self.collision else None


@dataclass(frozen=True, slots=True)
class InventoryOutcome:
    """Tags identified by an anticollision sequence (uid label order, DSFID, antenna)."""

    tags: tuple[tuple[bytes, int, int], ...]
    rounds: int
    unresolved_collisions: int
    air_time: float


@dataclass
class FieldStats:
    requests: int = 0
    inventories: int = 0
    collisions: int = 0


@dataclass
class _Return:
    due: float
    placement: Placement = field(compare=False)


class RFField:
    """Tags in front of one reader, with air-time accounting and optional real-time pacing."""

    def __init__(self, *, airtime: bool = False, programming_time: float = air.PROGRAMMING_S,
                 seed: int | None = 0, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.airtime = airtime
        self.programming_time = programming_time
        self.air_time = 0.0
        self.stats = FieldStats()
        self.rng = random.Random(seed)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.RLock()
        self._placements: dict[bytes, list[Placement]] = {}
        self._returns: list[_Return] = []
        self._listeners: list[Callable[[str, SlixTag], None]] = []

    # -- tags in and out ----------------------------------------------------------------
    def place(self, tag: SlixTag, read_probability: float = 1.0, antenna: int = 1) -> SlixTag:
        """Put a tag in the field (a fresh power-up: volatile state reset)."""
        if not 0.0 <= read_probability <= 1.0:
            raise ValueError(f"read_probability must be within 0..1, got {read_probability}")
        with self._lock:
            tag.power_off()
            tag.leave_hook = self._tag_left
            self._placements.setdefault(tag.uid, []).append(Placement(tag, read_probability, antenna))
        self._notify("placed", tag)
        return tag

    def remove(self, uid: bytes) -> SlixTag | None:
        """Take a tag out (all copies with this UID); returns it, or None when absent."""
        with self._lock:
            placements = self._placements.pop(bytes(uid), [])
        for placement in placements:
            placement.tag.power_off()
            placement.tag.leave_hook = None
            self._notify("removed", placement.tag)
        return placements[0].tag if placements else None

    def clear(self) -> None:
        for uid in list(self._placements):
            self.remove(uid)

    @property
    def tags(self) -> list[SlixTag]:
        """Tags currently in the field."""
        with self._lock:
            self._process_returns()
            return [p.tag for group in self._placements.values() for p in group]

    def get(self, uid: bytes) -> SlixTag | None:
        with self._lock:
            group = self._placements.get(bytes(uid))
            return group[0].tag if group else None

    def subscribe(self, listener: Callable[[str, SlixTag], None]) -> None:
        """``listener(event, tag)`` with event ``placed`` / ``removed`` / ``left`` (tearing)."""
        self._listeners.append(listener)

    def power_cycle(self) -> None:
        """RF reset: the carrier drops, every tag loses its volatile state."""
        with self._lock:
            for tag in self.tags:
                tag.power_off()

    def _tag_left(self, tag: SlixTag, returns_after: float | None) -> None:
        with self._lock:
            group = self._placements.get(tag.uid, [])
            for placement in [p for p in group if p.tag is tag]:
                group.remove(placement)
                if returns_after is not None:
                    self._returns.append(_Return(self._clock() + returns_after, placement))
            if not group:
                self._placements.pop(tag.uid, None)
        tag.leave_hook = None
        self._notify("left", tag)

    def _process_returns(self) -> None:
        now = self._clock()
        due = [r for r in self._returns if r.due <= now]
        for item in due:
            self._returns.remove(item)
            self.place(item.placement.tag, item.placement.read_probability, item.placement.antenna)

    def _notify(self, event: str, tag: SlixTag) -> None:
        for listener in list(self._listeners):
            listener(event, tag)

    # -- air interface --------------------------------------------------------------------
    def _hearing(self, antennas: Iterable[int] | None) -> list[Placement]:
        self._process_returns()
        wanted = None if antennas is None else set(antennas)
        return [p for group in self._placements.values() for p in group
                if wanted is None or p.antenna in wanted]

    def _answers(self, placement: Placement) -> bool:
        return placement.read_probability >= 1.0 or self.rng.random() < placement.read_probability

    def transact(self, request: bytes, antennas: Iterable[int] | None = None) -> FieldReply:
        """Send one ISO 15693 request (no CRC) and collect every answer heard."""
        with self._lock:
            self.stats.requests += 1
            responses = []
            for placement in self._hearing(antennas):
                answer = placement.tag.handle(request)
                if answer is not None and self._answers(placement):
                    responses.append(answer)
            reply = FieldReply(tuple(responses))
            if reply.collision:
                self.stats.collisions += 1
            programs = len(request) > 1 and request[1] in PROGRAMMING_COMMANDS
            programming = self.programming_time if programs else 0.0
            longest = max((len(r) for r in responses), default=None)
            duration = air.transaction_time(len(request), longest, programming, fast=_fast(request))
        self._spend(duration)
        return reply

    def transact_slots(self, request: bytes, antennas: Iterable[int] | None = None) -> dict[int, FieldReply]:
        """One 16-slot round of an inventory-type request (e.g. NXP INVENTORY READ): answers by slot.

        A tag answers in the slot numbered by the 4 UID bits after the request's mask.
        """
        mask_bits = _mask_length(request)
        with self._lock:
            self.stats.requests += 1
            heard: dict[int, list[bytes]] = {}
            for placement in self._hearing(antennas):
                answer = placement.tag.handle(request)
                if answer is not None and self._answers(placement):
                    slot = (int.from_bytes(placement.tag.uid_air, "little") >> mask_bits) & 0xF
                    heard.setdefault(slot, []).append(answer)
            replies = {slot: FieldReply(tuple(answers)) for slot, answers in sorted(heard.items())}
            self.stats.collisions += sum(reply.collision for reply in replies.values())
            longest = max((len(a) for answers in heard.values() for a in answers), default=0)
            duration = air.slotted_round_time(len(request), longest, len(replies), fast=_fast(request))
        self._spend(duration)
        return replies

    def inventory(self, afi: int | None = None, slots: int = 16,
                  antennas: Iterable[int] | None = None) -> InventoryOutcome:
        """ISO 15693-3 anticollision: every tag that answered alone in some slot is found."""
        if slots not in (1, 16):
            raise ValueError("ISO 15693 inventories use 1 or 16 slots")
        antennas = None if antennas is None else tuple(antennas)
        found: dict[bytes, tuple[bytes, int, int]] = {}
        pending = [(0, 0)]
        rounds = unresolved = 0
        duration = 0.0
        with self._lock:
            self.stats.inventories += 1
            while pending:
                mask_bits, mask = pending.pop()
                rounds += 1
                heard = self._inventory_round(afi, slots, mask_bits, mask, antennas)
                duration += air.round_time(mask_bits, len(heard), afi is not None, slots)
                for slot, answers in heard.items():
                    if len({response for response, _ in answers}) == 1:
                        response, antenna = answers[0]
                        uid = response[2:10][::-1]
                        found.setdefault(uid, (uid, response[1], antenna))
                    elif slots == 16 and mask_bits + 4 <= 60:
                        pending.append((mask_bits + 4, mask | (slot << mask_bits)))
                    elif slots == 1 and mask_bits == 0:
                        # One slot collided: fall back to a 16-slot sequence, as readers do.
                        slots = 16
                        pending.append((0, 0))
                    else:
                        unresolved += 1
            self.stats.collisions += unresolved
        self._spend(duration)
        return InventoryOutcome(tuple(found.values()), rounds, unresolved, duration)

    def _inventory_round(self, afi: int | None, slots: int, mask_bits: int, mask: int,
                         antennas: tuple[int, ...] | None) -> dict[int, list[tuple[bytes, int]]]:
        flags = FLAG_INVENTORY | DATA_RATE_HIGH | (FLAG_AFI if afi is not None else 0) | (
            FLAG_ONE_SLOT if slots == 1 else 0)
        request = bytes([flags, 0x01]) + (bytes([afi]) if afi is not None else b"") + bytes([mask_bits]) + \
            mask.to_bytes((mask_bits + 7) // 8, "little")
        heard: dict[int, list[tuple[bytes, int]]] = {}
        for placement in self._hearing(antennas):
            answer = placement.tag.handle(request)
            if answer is None or len(answer) != INVENTORY_RESPONSE_BYTES or not self._answers(placement):
                continue
            uid = int.from_bytes(answer[2:10], "little")
            slot = 0 if slots == 1 else (uid >> mask_bits) & 0xF
            heard.setdefault(slot, []).append((answer, placement.antenna))
        return heard

    def _spend(self, duration: float) -> None:
        self.air_time += duration
        if self.airtime and duration > 0:
            self._sleep(duration)


def _fast(request: bytes) -> bool:
    return len(request) > 1 and request[1] in FAST_COMMANDS


def _mask_length(request: bytes) -> int:
    """Mask length of an inventory-type request: after flags, command, [manufacturer], [AFI]."""
    offset = 2 + (1 if request[1] >= 0xA0 else 0) + (1 if request[0] & FLAG_AFI else 0)
    return request[offset] if len(request) > offset else 0
