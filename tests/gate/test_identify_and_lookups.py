"""Tag identification, buffered-read records, SIP2 answers and the background look-up service."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest

import iso28560
from drivers.base import BlockData, SystemInfo, TagInfo
from drivers.errors import NoTag, ReaderTimeout
from gate.buffered import BufferedInventory
from gate.events import CirculationState
from gate.identify import NotReadable, TagIdentifier
from gate.item_states import ItemStateService
from gate.lookup import LookupFailed, state_from_item_information
from gate.store import GateDatabase
from iso28560.model import TagData

UID = bytes.fromhex("E004015012345678")


class MemoryReader:
    """Serves one tag's memory through read_blocks/system_info and counts the calls."""

    def __init__(self, memory: bytes, blocks: int = 28) -> None:
        self.memory = memory.ljust(blocks * 4, b"\0")
        self.reads: list[tuple[int, int]] = []
        self.fail: Exception | None = None

    def read_blocks(self, uid: bytes, first: int, count: int) -> BlockData:
        if self.fail:
            raise self.fail
        self.reads.append((first, count))
        return BlockData(first, self.memory[first * 4 : (first + count) * 4], (False,) * count)

    def system_info(self, uid: bytes) -> SystemInfo:
        return SystemInfo(uid, 0x06, 0x07, 4, len(self.memory) // 4, 1)


def image(**fields: object) -> bytes:
    return iso28560.encode(TagData(primary_item_identifier="30660000000013", **fields)).memory  # type: ignore[arg-type]


def test_short_content_is_read_once_in_8_blocks() -> None:
    reader = MemoryReader(image(owner_institution="FR-660010101", type_of_usage=0x10))
    identifier = TagIdentifier()
    decoded = identifier.identify(reader, UID)
    assert decoded is not None and decoded.owner_institution == "FR-660010101"
    assert reader.reads == [(0, 8)]
    assert identifier.identify(reader, UID) is decoded and reader.reads == [(0, 8)] and identifier.hits == 1


def test_content_longer_than_8_blocks_is_read_whole() -> None:
    memory = image(owner_institution="FR-660010101", type_of_usage=0x81, title="Les Misérables, tome premier")
    assert len(memory) > 32
    reader = MemoryReader(memory)
    decoded = TagIdentifier().identify(reader, UID)
    assert reader.reads == [(0, 8), (0, 28)]
    assert decoded.type_of_usage == 0x81 and decoded.data.title == "Les Misérables, tome premier"


def test_tag_errors_give_none_reader_errors_propagate() -> None:
    reader = MemoryReader(image())
    reader.fail = NoTag("gone")
    identifier = TagIdentifier()
    assert identifier.identify(reader, UID) is None and identifier.failures == 1
    reader.fail = ReaderTimeout("silent")
    with pytest.raises(ReaderTimeout):
        identifier.identify(reader, UID)


def test_cache_expires_and_is_bounded() -> None:
    now = [0.0]
    identifier = TagIdentifier(ttl=10.0, size=2, clock=lambda: now[0])
    reader = MemoryReader(image())
    identifier.identify(reader, UID)
    now[0] = 11.0
    identifier.identify(reader, UID)
    assert len(reader.reads) == 2
    for n in range(3):
        identifier.identify(reader, bytes([0xE0, 0, 0, 0, 0, 0, 0, n]))
    assert identifier.cached(UID) is None


class BufferedFeig:
    def __init__(self, records: list) -> None:
        self.records, self.cleared, self.initialised = records, 0, 0

    def init_buffer(self) -> None:
        self.initialised += 1

    def buffered_read(self):
        records, self.records = self.records, []
        return records

    def clear_buffer(self) -> None:
        self.cleared += 1


def test_buffered_records_become_inventory_and_seed_identification() -> None:
    record = SimpleNamespace
    memory = image(owner_institution="FR-660010101")
    feig = BufferedFeig(
        [
            record(uid=UID, data=memory, antenna=1),
            record(uid=UID, data=memory, antenna=1),
            record(uid=b"\xe0" * 8, data=None, antenna=2),
            record(uid=None, data=None, antenna=1),
        ]
    )
    identifier = TagIdentifier()
    buffered = BufferedInventory(feig, identifier)  # type: ignore[arg-type]
    assert feig.initialised == 1
    assert buffered.inventory(afi=0x07) == [TagInfo(UID, None, 1), TagInfo(b"\xe0" * 8, None, 2)]
    assert feig.cleared == 1 and identifier.cached(UID).owner_institution == "FR-660010101"
    assert buffered.inventory() == [] and feig.cleared == 1
    with pytest.raises(NotReadable):
        buffered.read_blocks(UID, 0, 8)


@pytest.mark.parametrize(
    ("status", "patron", "charged"),
    [
        (3, "", False),
        (4, "", True),
        (5, "", True),
        (7, "", True),
        (1, "2066000", True),
        (1, "", False),
        (10, "", False),
        (12, "", False),
    ],
)
def test_charged_from_item_information(status: int, patron: str, charged: bool) -> None:
    info = SimpleNamespace(circulation_status=status, patron_id=patron, title="T")
    state = state_from_item_information("3066", info, 5.0)
    assert state == CirculationState("3066", charged, status, "T", 5.0)


class SlowLookup:
    def __init__(self) -> None:
        self.asked: list[str] = []
        self.fail = True
        self.answered = threading.Event()

    def item_state(self, item_id: str) -> CirculationState:
        self.asked.append(item_id)
        if self.fail:
            raise LookupFailed("SIGB down")
        self.answered.set()
        return CirculationState(item_id, False, 3, f"title of {item_id}", time.time())

    def close(self) -> None:
        pass


def test_failed_lookups_are_not_hammered_and_titles_are_retried(tmp_path) -> None:
    lookup = SlowLookup()
    service = ItemStateService(lookup, GateDatabase(tmp_path / "g.sqlite"), retry_s=0.2)
    titles: list[str] = []
    service.want_title("A", titles.append)
    assert service.resolve("A") is None
    for _ in range(20):
        assert service.state("A") is None  # poll loop asking every cycle
    assert service._queue.qsize() == 1  # queued once (by want_title), not once per cycle
    lookup.fail = False
    service.start()
    assert lookup.answered.wait(3)
    deadline = time.monotonic() + 3
    while not titles and time.monotonic() < deadline:
        time.sleep(0.01)
    service.stop()
    assert titles == ["title of A"]
    reopened = ItemStateService(None, GateDatabase(tmp_path / "g.sqlite"))
    assert reopened.state("A").title == "title of A"  # persisted for the next start


def test_stale_states_are_used_and_refreshed() -> None:
    now = [1000.0]
    lookup = SlowLookup()
    lookup.fail = False
    service = ItemStateService(lookup, None, refresh_s=60, clock=lambda: now[0])
    service.put(CirculationState("B", True, 4, None, checked_at=990.0))
    assert service.state("B").charged and service._queue.qsize() == 0
    now[0] = 1051.0
    assert service.state("B").charged and service._queue.qsize() == 1
