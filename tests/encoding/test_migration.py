"""Legacy tags converted to the network profile, keeping identifier and set information, in every supported
format: ISO 28560-3 (Danish model) and its documented vendor deviations, and 3M RFID 501."""

from __future__ import annotations

import pytest

from iso28560 import TagData, decode, encode
from kiosk.encoding import Phase
from kiosk.encoding.samples import PART3_VARIANTS, part3_memory, three_m_memory

OWNER = "FR-660010101"


def legacy_tag(desk, memory: bytes, dsfid: int):
    return desk.blank_tag(memory, afi=0xD7 if dsfid == 0 else 0x07, dsfid=dsfid)


def assert_network_profile(tag, barcode: str, parts: int = 1, part: int = 1) -> None:
    decoded = decode(bytes(tag.memory), tag.dsfid)
    assert decoded.format == "iso28560-2" and not decoded.warnings, decoded
    assert decoded.data == TagData(barcode, owner_institution=OWNER, parts_in_item=parts, part_number=part,
                                   type_of_usage=0x10)
    assert (tag.afi, tag.dsfid, tag.eas) == (0x07, 0x06, True)
    image = encode(decoded.data, memory=112, include_set=True).memory
    assert bytes(tag.memory[len(image):]) == bytes(112 - len(image))  # legacy leftovers cleared


LEGACY = [
    *[pytest.param(("part3", variant), id=f"iso28560-3-{variant}") for variant in PART3_VARIANTS],
    pytest.param(("3m", None), id="3m-rfid501"),
]


def legacy_memory(kind: tuple[str, str | None], barcode: str, parts: int = 1,
                  part: int = 1) -> tuple[bytes, int]:
    name, variant = kind
    if name == "3m":
        return three_m_memory(barcode, parts=parts, part=part), 0x00
    return part3_memory(barcode, OWNER, parts=parts, part=part, variant=variant), 0x3E


@pytest.mark.parametrize("kind", LEGACY)
def test_scanned_item_on_a_legacy_tag_is_migrated(desk, kind) -> None:
    barcode = desk.item(20)
    memory, dsfid = legacy_memory(kind, barcode)
    assert decode(memory + bytes(112 - len(memory)), dsfid).format != "iso28560-2"
    tag = desk.place(legacy_tag(desk, memory, dsfid))
    desk.station.scan(barcode)
    desk.station.poll()
    result = desk.station.last_result
    assert result.outcome == "migrated", result
    assert result.format_before == ("3m-rfid501" if kind[0] == "3m" else "iso28560-3")
    assert_network_profile(tag, barcode)
    reason = desk.journal.query("SELECT reason FROM encodings")[0]["reason"]
    assert reason == f"migrated-from:{result.format_before}"


@pytest.mark.parametrize("kind", LEGACY)
def test_migration_mode_keeps_identifier_and_set_information(desk, kind) -> None:
    barcode = desk.item(21)
    memory, dsfid = legacy_memory(kind, barcode, parts=2, part=2)
    tag = desk.place(legacy_tag(desk, memory, dsfid))
    desk.station.start_migration()
    desk.station.poll()
    result = desk.station.last_result
    assert (result.outcome, result.item_id, result.part, result.parts) == ("migrated", barcode, 2, 2)
    assert_network_profile(tag, barcode, parts=2, part=2)
    assert desk.station.job.title == desk.title(barcode)  # looked up over SIP2 for the staff
    assert desk.station.phase is Phase.PLACE


def test_title_of_a_part3_tag_is_not_carried_over(desk) -> None:
    barcode = desk.item(22)
    memory, dsfid = legacy_memory(("part3", "with-title"), barcode)
    assert decode(memory, dsfid).data.title
    tag = desk.place(legacy_tag(desk, memory, dsfid))
    desk.station.start_migration()
    desk.station.poll()
    assert decode(bytes(tag.memory), tag.dsfid).data.title is None
    assert b"Mis" not in bytes(tag.memory)


def test_migration_mode_one_tag_after_another(desk) -> None:
    desk.station.start_migration()
    barcodes = [desk.item(n) for n in range(23, 26)]
    tags = [legacy_tag(desk, three_m_memory(b), 0) for b in barcodes]
    for tag in tags:
        desk.place(tag)
        desk.station.poll()
        desk.remove(tag)
        desk.station.poll()
    assert [r.outcome for r in desk.station.history[:3]] == ["migrated"] * 3
    assert [r.item_id for r in reversed(desk.station.history[:3])] == barcodes
    assert desk.station.session.snapshot().migrated == 3


@pytest.mark.parametrize(("memory", "dsfid", "code"), [
    (b"", 0x00, "blank-tag"),
    (bytes(range(1, 41)), 0x00, "unknown-content"),
    (part3_memory("30660000000013", "DE-1"), 0x3E, "foreign-owner"),
    (encode(TagData("20660000000015", owner_institution=OWNER, type_of_usage=0x81), memory=112).memory, 0x06,
     "patron-card"),
])
def test_migration_mode_refusals(desk, memory, dsfid, code) -> None:
    tag = desk.place(legacy_tag(desk, memory, dsfid))
    before = bytes(tag.memory)
    desk.station.start_migration()
    desk.station.poll()
    assert (desk.station.last_result.outcome, desk.station.last_result.code) == ("refused", code)
    assert bytes(tag.memory) == before


def test_network_tag_in_migration_mode_is_already_done(desk) -> None:
    barcode = desk.item(26)
    memory = encode(TagData(barcode, owner_institution=OWNER, type_of_usage=0x10), memory=112,
                    include_set=True).memory
    tag = desk.place(desk.blank_tag(memory, afi=0x07, dsfid=0x06, eas=True))
    desk.station.start_migration()
    desk.station.poll()
    assert desk.station.last_result.outcome == "already_done"
    assert bytes(tag.memory[:len(memory)]) == memory


def test_part2_tag_of_the_network_without_owner_is_updated(desk) -> None:
    barcode = desk.item(27)
    memory = encode(TagData(barcode), memory=112).memory  # an older in-house encoding: PII only
    tag = desk.place(desk.blank_tag(memory, afi=0x07, dsfid=0x06))
    desk.station.start_migration()
    desk.station.poll()
    assert (desk.station.last_result.outcome, desk.station.last_result.code) == ("updated", "update")
    assert_network_profile(tag, barcode)


def test_formats_not_listed_for_migration(make_desk) -> None:
    desk = make_desk(config={"encoding": {"migrate": ["iso28560-3"]}})
    barcode = desk.item(28)
    tag = desk.place(legacy_tag(desk, three_m_memory(barcode), 0))
    desk.station.start_migration()
    desk.station.poll()
    result = desk.station.last_result
    assert (result.outcome, result.code) == ("refused", "format-not-migrated")
    desk.station.scan(barcode)
    desk.station.retry()
    desk.station.poll()
    assert desk.station.phase is Phase.CONFIRM  # with its barcode scanned, staff may still overwrite it
    desk.station.confirm()
    assert_network_profile(tag, barcode)


def test_invalid_legacy_set_information_is_refused_in_migration_mode(desk) -> None:
    memory = bytearray(three_m_memory(desk.item(29)))
    memory[1] = 0x00  # part 0 of 0
    tag = desk.place(legacy_tag(desk, bytes(memory), 0))
    desk.station.start_migration()
    desk.station.poll()
    assert desk.station.last_result.code == "set-invalid"
    assert bytes(tag.memory[:len(memory)]) == bytes(memory)


def test_scanned_barcode_differs_from_the_legacy_identifier(desk) -> None:
    tag = desk.place(legacy_tag(desk, three_m_memory(desk.item(30)), 0))
    desk.station.scan(desk.item(31))
    desk.station.poll()
    assert desk.station.last_result.code == "other-identifier"
    assert decode(bytes(tag.memory)).data.primary_item_identifier == desk.item(30)


def test_legacy_identifier_the_profile_cannot_hold_is_refused_with_the_encoder_reason(desk) -> None:
    from iso28560.part3 import basic_crc

    memory = bytearray(part3_memory("AB_1234", OWNER))
    memory[5] = 0x20  # "AB 1234": an old encoder let a space through
    crc = basic_crc(bytes(memory), 34)
    memory[19], memory[20] = crc & 0xFF, crc >> 8
    tag = desk.place(legacy_tag(desk, bytes(memory), 0x3E))
    desk.station.start_migration()
    desk.station.poll()
    result = desk.station.last_result
    assert (result.outcome, result.code) == ("refused", "cannot-encode")
    assert "contains ' ' at position 2" in result.message.render("en")
    assert decode(bytes(tag.memory), 0x3E).format == "iso28560-3"
