"""The encoding desk through the simulators: real FEIG driver ↔ FEIG simulator ↔ SLIX tags, real SIP2 ↔ SIGB.

Every branch of the desk: blank, already done, another identifier (confirm / cancel), unknown content,
patron card, legacy migration, locked tags, two tags, a tag lifted mid-write, weak writes, lock policies.
"""

from __future__ import annotations

import pytest

from iso28560 import TagData, decode, encode
from kiosk.encoding import Phase, Signal
from kiosk.encoding.samples import three_m_memory

OWNER = "FR-660010101"


def tag_content(tag) -> TagData | None:
    return decode(bytes(tag.memory), tag.dsfid).data


def encode_item(desk, barcode: str, tag, *, keep: bool = False):
    """Scan, place, poll once; the desk's result. The tag stays on the pad when ``keep``."""
    desk.station.scan(barcode)
    desk.place(tag)
    desk.station.poll()
    if not keep:
        desk.remove(tag)
        desk.station.poll()
    return desk.station.last_result


def network_tag(desk, barcode: str, **tag_options):
    data = TagData(barcode, owner_institution=OWNER, type_of_usage=0x10)
    memory = encode(data, memory=112, include_set=True).memory
    return desk.blank_tag(memory, afi=0x07, dsfid=0x06, eas=True, **tag_options)


def test_blank_tag_is_written_secured_verified_and_journaled(desk) -> None:
    barcode = desk.item(0)
    tag = desk.blank_tag()
    result = encode_item(desk, barcode, tag)
    assert (result.outcome, result.code, result.item_id, result.uid) == ("encoded", "blank", barcode, tag.uid)
    decoded = decode(bytes(tag.memory), tag.dsfid)
    assert decoded.format == "iso28560-2" and not decoded.warnings
    assert decoded.data == TagData(barcode, owner_institution=OWNER, type_of_usage=0x10)
    assert decoded.data.title is None  # no title on tags (privacy)
    assert (tag.afi, tag.dsfid, tag.eas) == (0x07, 0x06, True)
    assert not any(tag.locked)
    assert desk.station.signal is Signal.SUCCESS and desk.station.phase is Phase.DONE
    rows = desk.journal.query("SELECT item_id, uid, operator, outcome, reason, format, station_id, "
                              "duration_ms FROM encodings")
    assert rows == [{"item_id": barcode, "uid": tag.uid.hex().upper(), "operator": "op-demo", "outcome": "ok",
                     "reason": None, "format": "iso28560-2", "station_id": "demo-encoder",
                     "duration_ms": pytest.approx(result.seconds * 1000)}]


def test_sip2_lookup_shows_title_and_media_type(desk) -> None:
    barcode = desk.item(0)
    desk.station.scan(barcode)
    job = desk.station.job
    assert job.title == desk.title(barcode) and job.known is True
    assert job.media.render("en") == "book"
    assert desk.station.message.render("en") == f"{barcode}: {desk.title(barcode)}"


def test_already_encoded_tag_is_not_written_again(desk) -> None:
    barcode = desk.item(1)
    tag = network_tag(desk, barcode)
    before = bytes(tag.memory)
    requests = desk.field.stats.requests
    result = encode_item(desk, barcode, tag, keep=True)
    assert (result.outcome, result.code) == ("already_done", "already-encoded")
    assert bytes(tag.memory) == before
    assert desk.field.stats.requests - requests == 3  # system info, read, EAS check: no programming
    assert desk.journal.query("SELECT count(*) AS n FROM encodings")[0]["n"] == 0
    assert desk.station.signal is Signal.SUCCESS


def test_right_content_with_wrong_afi_is_completed_without_rewriting_blocks(desk) -> None:
    barcode = desk.item(1)
    tag = network_tag(desk, barcode)
    tag.afi, tag.eas = 0xC2, False
    before = bytes(tag.memory)
    result = encode_item(desk, barcode, tag)
    assert (result.outcome, result.code) == ("updated", "already-encoded")
    assert bytes(tag.memory) == before and (tag.afi, tag.eas) == (0x07, True)


def test_another_identifier_needs_confirmation_then_is_overwritten(desk) -> None:
    mine, other = desk.item(2), desk.item(3)
    tag = network_tag(desk, other)
    result = encode_item(desk, mine, tag, keep=True)
    assert (result.outcome, result.code) == ("question", "other-identifier")
    assert desk.station.phase is Phase.CONFIRM and desk.station.signal is Signal.QUESTION
    assert other in desk.station.confirmation.message.render("en")
    assert tag_content(tag).primary_item_identifier == other  # nothing written before the answer
    desk.station.confirm()
    assert desk.station.last_result.outcome == "encoded"
    assert tag_content(tag).primary_item_identifier == mine
    assert desk.journal.query("SELECT reason FROM encodings")[0]["reason"] == "overwrite:other-identifier"


def test_declined_overwrite_leaves_the_tag_and_ignores_it_until_it_is_lifted(desk) -> None:
    mine, other = desk.item(2), desk.item(3)
    tag = network_tag(desk, other)
    encode_item(desk, mine, tag, keep=True)
    desk.station.cancel()
    assert desk.station.phase is Phase.PLACE and desk.station.confirmation is None
    desk.station.poll()
    assert desk.station.phase is Phase.PLACE  # not asked again while it stays
    assert tag_content(tag).primary_item_identifier == other
    fresh = desk.place(desk.blank_tag())
    desk.station.poll()
    assert desk.station.last_result.outcome == "encoded"
    assert tag_content(fresh).primary_item_identifier == mine


def test_question_is_withdrawn_when_the_tag_is_taken_away(desk) -> None:
    tag = network_tag(desk, desk.item(3))
    encode_item(desk, desk.item(2), tag, keep=True)
    desk.remove(tag)
    desk.station.poll()
    assert desk.station.phase is Phase.PLACE and desk.station.confirmation is None
    assert "nothing was written" in desk.station.message.render("en")


def test_unknown_content_needs_confirmation(desk) -> None:
    tag = desk.blank_tag(bytes(range(1, 41)))
    result = encode_item(desk, desk.item(2), tag, keep=True)
    assert (result.outcome, result.code) == ("question", "unknown-content")
    desk.station.confirm()
    assert tag_content(tag).primary_item_identifier == desk.item(2)
    assert bytes(tag.memory[40:]) == bytes(72)  # old bytes after the image are cleared


def test_patron_card_is_never_overwritten(desk) -> None:
    card = encode(TagData("20660000000015", owner_institution=OWNER, type_of_usage=0x81), memory=112).memory
    tag = desk.blank_tag(card, afi=0x07, dsfid=0x06)
    result = encode_item(desk, desk.item(2), tag, keep=True)
    assert (result.outcome, result.code) == ("refused", "patron-card")
    assert bytes(tag.memory[:len(card)]) == card
    assert desk.station.phase is Phase.FAILED and desk.station.signal is Signal.FAILURE


def test_foreign_owner_with_the_same_identifier_needs_confirmation(desk) -> None:
    barcode = desk.item(2)
    memory = encode(TagData(barcode, owner_institution="DE-1", type_of_usage=0x10), memory=112).memory
    result = encode_item(desk, barcode, desk.blank_tag(memory), keep=True)
    assert (result.outcome, result.code) == ("question", "foreign-owner")


def test_two_new_tags_on_the_pad_are_refused_until_one_is_taken_away(desk) -> None:
    one, two = desk.blank_tag(), desk.blank_tag()
    desk.station.scan(desk.item(4))
    desk.place(one)
    desk.place(two)
    desk.station.poll()
    assert (desk.station.last_result.outcome, desk.station.last_result.code) == ("refused", "several-tags")
    assert not any(one.memory) and not any(two.memory)
    desk.station.poll()  # reported once, not on every poll
    assert desk.station.session.snapshot().errors == (("several-tags", 1),)
    desk.remove(two)
    desk.station.poll()
    assert desk.station.last_result.outcome == "encoded" and tag_content(one).primary_item_identifier == \
        desk.item(4)
    assert not any(two.memory)


def test_previous_item_left_on_the_pad_is_ignored(desk) -> None:
    first, second = desk.blank_tag(), desk.blank_tag()
    encode_item(desk, desk.item(5), first, keep=True)
    desk.station.scan(desk.item(6))
    desk.station.poll()
    assert "Remove the previous item" in desk.station.guidance.render("en")
    desk.place(second)
    desk.station.poll()
    assert tag_content(first).primary_item_identifier == desk.item(5)
    assert tag_content(second).primary_item_identifier == desk.item(6)


def test_a_tag_without_a_scanned_barcode_is_not_written(desk) -> None:
    tag = desk.place(desk.blank_tag())
    desk.station.poll()
    assert not any(tag.memory) and desk.station.phase is Phase.SCAN


@pytest.mark.parametrize("returns", [None, 0.0], ids=["stays-away", "comes-back-at-once"])
def test_tag_lifted_mid_write_is_caught_and_the_next_attempt_succeeds(make_desk, returns) -> None:
    desk = make_desk(config={"security": {"eas": False}})
    barcode = desk.item(7)
    tag = desk.blank_tag(afi=0x07, dsfid=0x06)  # so the first programming command is a data block
    tag.faults.tear_writes, tag.faults.tear_return_after = 1, returns
    result = encode_item(desk, barcode, tag, keep=True)
    assert (result.outcome, result.code) == ("failed", "tag-removed")
    assert "left the" in result.message.render("en") and "Put it back" in result.message.render("en")
    assert desk.station.phase is Phase.FAILED
    assert tag_content(tag) is None or tag_content(tag).primary_item_identifier != barcode
    if returns is not None:
        assert "differ" in result.message.render("en")  # the read-back showed the partial write
    desk.remove(tag)
    desk.station.poll()
    desk.place(tag)
    desk.station.poll()
    retried = desk.station.last_result
    assert (retried.outcome, retried.code) == ("encoded", "resume-interrupted")
    assert tag_content(tag).primary_item_identifier == barcode
    outcomes = desk.journal.query("SELECT outcome, reason FROM encodings ORDER BY id")
    assert outcomes == [{"outcome": "failed", "reason": "tag-removed"},
                        {"outcome": "ok", "reason": "resume-interrupted"}]


def test_weak_write_is_caught_by_the_read_back_and_retry_succeeds(desk) -> None:
    tag = desk.blank_tag()
    tag.faults.weak_writes = 3  # DSFID, AFI and EAS are acknowledged but not kept
    result = encode_item(desk, desk.item(8), tag, keep=True)
    assert (result.outcome, result.code) == ("failed", "write-failed")
    assert "AFI 0x00 instead of 0x07" in result.message.render("en")
    desk.station.retry()
    desk.station.poll()
    assert (desk.station.last_result.outcome, desk.station.last_result.code) == ("updated", "already-encoded")
    assert (tag.afi, tag.dsfid, tag.eas) == (0x07, 0x06, True)  # the blocks were right: only registers redone


def test_programming_error_is_reported(desk) -> None:
    tag = desk.blank_tag()
    tag.faults.fail_writes = 10
    result = encode_item(desk, desk.item(8), tag, keep=True)
    assert result.outcome == "failed" and result.code in ("write-failed", "reader-error")


def test_locked_blocks_with_other_data_reject_the_tag_with_the_reason(desk) -> None:
    barcode = desk.item(9)
    tag = desk.blank_tag(three_m_memory(barcode), afi=0x07, locked=(0, 1, 2))
    before = bytes(tag.memory)
    result = encode_item(desk, barcode, tag, keep=True)
    assert (result.outcome, result.code) == ("refused", "locked")
    shown = result.message.render("en")
    assert "Block(s) 0, 1, 2" in shown and "Replace the tag" in shown
    assert bytes(tag.memory) == before
    assert desk.journal.query("SELECT outcome, reason FROM encodings") == [
        {"outcome": "failed", "reason": "refused:locked"}]


def test_locked_afi_refuses_the_write(desk) -> None:
    tag = desk.blank_tag(afi=0xC2)
    tag.afi_locked = True
    result = encode_item(desk, desk.item(9), tag, keep=True)
    assert (result.outcome, result.code) == ("failed", "locked")
    assert not any(tag.memory)  # registers come first: the data was not touched


@pytest.mark.parametrize(("policy", "elements"), [("identifier", {"primary_item_identifier"}),
                                                  ("identifier_and_owner",
                                                   {"primary_item_identifier", "owner_institution"})])
def test_lock_policy_locks_the_blocks_of_those_elements(make_desk, policy, elements) -> None:
    desk = make_desk(config={"encoding": {"lock": policy}})
    barcode = desk.item(10)
    tag = desk.blank_tag()
    assert encode_item(desk, barcode, tag, keep=True).outcome == "encoded"
    expected = encode(TagData(barcode, owner_institution=OWNER, type_of_usage=0x10), memory=112,
                      lock=desk.station.settings.lock_elements, include_set=True)
    assert [n for n, locked in enumerate(tag.locked) if locked] == list(expected.lock_blocks)
    locked_names = {span.name for span in expected.layout if span.locked}
    assert locked_names == elements
    assert not tag.afi_locked  # the AFI is never locked: it changes at every loan
    desk.remove(tag)
    desk.station.poll()
    again = encode_item(desk, barcode, tag, keep=True)
    assert again.outcome == "already_done"  # locked blocks that already hold the right data are fine


def test_lock_failure_after_a_verified_write_is_finished_on_retry(make_desk) -> None:
    desk = make_desk(config={"encoding": {"lock": "identifier"}, "security": {"eas": False}})
    tag = desk.blank_tag(afi=0x07, dsfid=0x06)
    image_blocks = len(encode(TagData(desk.item(10), owner_institution=OWNER, type_of_usage=0x10),
                              memory=112, lock=("pii",), include_set=True).memory) // 4
    desk.station.scan(desk.item(10))
    desk.place(tag)
    original = tag.handle
    programming = {"count": 0}

    def failing_lock(request: bytes):
        if len(request) > 1 and request[1] == 0x22:
            programming["count"] += 1
            if programming["count"] == 1:
                return b"\x01\x13"  # ISO error 0x13: programming failed
        return original(request)

    tag.handle = failing_lock
    desk.station.poll()
    assert (desk.station.last_result.outcome, desk.station.last_result.code) == ("failed", "lock-failed")
    assert tag_content(tag).primary_item_identifier == desk.item(10) and image_blocks
    desk.station.retry()
    desk.station.poll()
    assert (desk.station.last_result.outcome, desk.station.last_result.code) == ("updated", "already-encoded")
    assert tag.locked[0]


def test_multi_part_item_parts_in_order_with_the_number_of_parts_remembered(desk) -> None:
    station = desk.station
    station.set_parts(3)
    barcode = desk.item(11)
    station.scan(barcode)
    assert station.guidance.render("en") == f"Place part 1 of 3 of {barcode} on the pad."
    tags = [desk.blank_tag() for _ in range(3)]
    for number, tag in enumerate(tags, 1):
        desk.place(tag)  # earlier parts stay on the pad
        station.poll()
        assert station.last_result.outcome == "encoded"
        content = tag_content(tag)
        found = (content.primary_item_identifier, content.parts_in_item, content.part_number)
        assert found == (barcode, 3, number)
    assert station.phase is Phase.DONE and station.job.complete
    assert "(part 3 of 3)" in station.last_result.message.render("en")
    station.scan(desk.item(12))
    assert station.job.parts == 3 and station.parts == 3  # remembered for the next item
    station.set_parts(1)
    assert station.job.parts == 1


def test_set_part_already_encoded_counts_and_guidance_moves_on(desk) -> None:
    barcode = desk.item(11)
    part2 = encode(TagData(barcode, owner_institution=OWNER, parts_in_item=2, part_number=2,
                           type_of_usage=0x10), memory=112, include_set=True).memory
    tag = desk.blank_tag(part2, afi=0x07, dsfid=0x06, eas=True)
    desk.station.set_parts(2)
    result = encode_item(desk, barcode, tag, keep=True)
    assert (result.outcome, result.part) == ("already_done", 2)
    assert desk.station.guidance.render("en") == f"Place part 1 of 2 of {barcode} on the pad."


def test_set_information_mismatch_needs_confirmation(desk) -> None:
    barcode = desk.item(11)
    tag = network_tag(desk, barcode)  # part 1 of 1
    desk.station.set_parts(2)
    result = encode_item(desk, barcode, tag, keep=True)
    assert (result.outcome, result.code) == ("question", "set-mismatch")
    desk.station.confirm()
    assert (tag_content(tag).parts_in_item, tag_content(tag).part_number) == (2, 1)


def test_barcode_format_and_check_digit(desk) -> None:
    station = desk.station
    station.scan("20660000000015")  # a patron card
    assert (station.last_result.outcome, station.last_result.code) == ("refused", "barcode-format")
    station.scan("30660000000014")  # check digit wrong (…13 is right)
    assert station.last_result.code == "barcode-check-digit"
    assert station.job is None and station.phase is Phase.SCAN
    station.scan(" 30660000000013\r\n")
    assert station.job.item_id == "30660000000013"


def test_unknown_item_is_a_warning_or_a_refusal(make_desk) -> None:
    unknown = "30669999999994"  # valid check digit, not in the SIGB
    warn = make_desk()
    warn.station.scan(unknown)
    assert warn.station.job.known is False and warn.station.signal is Signal.WARNING
    refuse = make_desk(config={"encoding": {"unknown_items": "refuse"}})
    refuse.station.scan(unknown)
    assert refuse.station.job is None and refuse.station.last_result.code == "unknown-item"


def test_unreachable_sigb_does_not_stop_encoding(desk) -> None:
    desk.sigb.faults.down = True
    try:
        tag = desk.blank_tag()
        result = encode_item(desk, desk.item(0), tag, keep=True)
    finally:
        desk.sigb.faults.down = False
    assert result.outcome == "encoded"
    assert desk.station.job.known is None


def test_item_on_loan_is_encoded_secured_and_the_mismatch_is_journaled(desk) -> None:
    barcode = desk.item("item_on_loan")
    desk.station.scan(barcode)
    assert desk.station.signal is Signal.WARNING and "on loan" in desk.station.message.render("en")
    desk.place(tag := desk.blank_tag())
    desk.station.poll()
    assert tag.afi == 0x07
    events = desk.journal.query("SELECT event_type FROM events")
    assert events == [{"event_type": "encoding-item-on-loan"}]


def test_shelf_location_from_the_sigb_call_number(make_desk) -> None:
    desk = make_desk(config={"encoding": {"shelf_location": "call_number"}})
    barcode = desk.item(0)
    tag = desk.blank_tag()
    encode_item(desk, barcode, tag, keep=True)
    assert tag_content(tag).shelf_location == desk.sigb.library.items[barcode].call_number


def test_part3_profile(make_desk) -> None:
    desk = make_desk(config={"encoding": {"format": "iso28560-3"}})
    tag = desk.blank_tag()
    encode_item(desk, desk.item(0), tag, keep=True)
    decoded = decode(bytes(tag.memory), tag.dsfid)
    assert (decoded.format, tag.dsfid, decoded.crc_ok) == ("iso28560-3", 0x3E, True)


def test_operator_pseudonym(desk) -> None:
    desk.station.set_operator("20660000000015")
    assert desk.station.operator == "op-demo" and desk.station.signal is Signal.FAILURE
    desk.station.set_operator("op-7")
    encode_item(desk, desk.item(0), desk.blank_tag())
    assert desk.journal.query("SELECT operator FROM encodings") == [{"operator": "op-7"}]


def test_reader_failure_is_shown_not_raised(desk) -> None:
    desk.station.scan(desk.item(0))
    desk.reader.simulator.silent = True
    desk.station.poll()
    assert desk.station.signal is Signal.FAILURE and "reader" in desk.station.message.render("en")
    desk.reader.simulator.silent = False
    desk.place(desk.blank_tag())
    desk.station.poll()
    assert desk.station.last_result.outcome == "encoded"


def test_statistics(desk) -> None:
    encode_item(desk, desk.item(0), desk.blank_tag())
    encode_item(desk, desk.item(0), network_tag(desk, desk.item(0)))
    desk.station.scan("nope")
    stats = desk.station.session.snapshot()
    assert (stats.encoded, stats.already_done, stats.total, stats.refused) == (1, 1, 2, 1)
    assert stats.errors == (("barcode-format", 1),)
    assert stats.items_per_hour > 0 and stats.mean_seconds > 0
    assert desk.station.stats == stats or desk.station.stats.total == 2
