"""Pure parts of the desk: barcode format, [encoding] settings, assessment of a tag read, write plans, batch
files, statistics; and property tests that arbitrary input never makes them raise anything unexpected."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.base import SystemInfo, TagRead
from iso28560 import TagData, decode, encode
from kiosk.config import ConfigError, NetworkSection, parse_config
from kiosk.encoding import (
    BarcodeFormat,
    BarcodeRejected,
    BatchEntry,
    BatchFileError,
    SessionStats,
    TagProfile,
    Target,
    Verdict,
    assess,
    build_plan,
    check_barcode,
    encoding_settings,
    luhn_valid,
    parse_batch,
)
from kiosk.encoding.samples import part3_memory, three_m_memory

UID = bytes.fromhex("E004012000001234")
OWNER = "FR-660010101"
NETWORK = NetworkSection(branch_isil=OWNER, isil_prefix="FR-6600")
PROFILE = TagProfile(owner=OWNER)
LUHN = BarcodeFormat(r"3066[0-9]{10}", "luhn")


def tag_read(memory: bytes = b"", *, dsfid: int = 0x00, afi: int = 0x00,
             locked: tuple[int, ...] = ()) -> TagRead:
    memory = memory + bytes(112 - len(memory))
    flags = tuple(n in locked for n in range(28))
    return TagRead(UID, SystemInfo(UID, dsfid, afi, 4, 28, 1), memory, flags, decode(memory, dsfid))


def network_memory(barcode: str, **fields) -> bytes:
    return encode(TagData(barcode, owner_institution=OWNER, type_of_usage=0x10, **fields), memory=112,
                  include_set=True).memory


# -- barcodes and settings -------------------------------------------------------------------------


def test_luhn() -> None:
    assert luhn_valid("30660000000013") and luhn_valid("79927398713")
    assert not luhn_valid("30660000000014") and not luhn_valid("3066000000001X") and not luhn_valid("5")


@pytest.mark.parametrize(("text", "code"), [("", "barcode-empty"), ("   ", "barcode-empty"),
                                            ("9782070360024", "barcode-format"),
                                            ("30660000000012", "barcode-check-digit")])
def test_barcode_rejections(text: str, code: str) -> None:
    with pytest.raises(BarcodeRejected) as info:
        check_barcode(text, LUHN)
    assert info.value.code == code


@given(st.text(max_size=40))
def test_barcode_check_never_raises_anything_else(text: str) -> None:
    try:
        assert check_barcode(text, LUHN) == text.strip()
    except BarcodeRejected as exc:
        assert exc.message.render("fr") and exc.message.render("en")


def test_settings_defaults_and_profile() -> None:
    config = parse_config({"network": {"branch_isil": OWNER}})
    settings = encoding_settings(config)
    assert (settings.format, settings.lock, settings.type_of_usage, settings.set_information) == (
        "iso28560-2", "none", 0x10, True)
    profile = TagProfile.from_config(config)
    assert (profile.owner, profile.afi, profile.eas, profile.lock) == (OWNER, 0x07, True, ())
    own = TagProfile.from_config(parse_config({"network": {"branch_isil": OWNER},
                                               "encoding": {"owner_isil": "FR-660020101"}}))
    assert own.owner == "FR-660020101"


@pytest.mark.parametrize(("table", "message"), [
    ({"lock": "everything"}, "encoding.lock: expected one of none, identifier, identifier_and_owner"),
    ({"format": "iso28560-3", "lock": "identifier"}, "encoding.lock: ISO 28560-3 tags cannot lock"),
    ({"owner_isil": "FR 123"}, "encoding.owner_isil: ISIL 'FR 123' contains ' '"),
    ({"barcode_pattern": "(["}, "encoding.barcode_pattern: not a valid regular expression"),
    ({"barcode_check_digit": "mod97"}, "encoding.barcode_check_digit: expected one of none, luhn"),
    ({"migrate": ["3m-rfid501", "iso28560-2"]}, 'encoding.migrate: "iso28560-2" is not a legacy format'),
    ({"operator": "20660000000015"}, "encoding.operator:"),
    ({"type_of_usage": 300}, "encoding.type_of_usage: expected a byte"),
    ({"shelf": "none"}, "encoding.shelf: unknown key"),
])
def test_settings_errors_name_the_key(table: dict, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config({"encoding": table})
    assert message in str(info.value)


# -- assessment ------------------------------------------------------------------------------------


def test_assessment_table() -> None:
    target = Target("30660000000013")
    cases = [
        (tag_read(), Verdict.WRITE, "blank"),
        (tag_read(network_memory("30660000000013"), dsfid=6, afi=7), Verdict.CONFORMS, "already-encoded"),
        (tag_read(network_memory("30660000000021"), dsfid=6), Verdict.CONFIRM, "other-identifier"),
        (tag_read(encode(TagData("30660000000013"), memory=112).memory, dsfid=6), Verdict.WRITE, "update"),
        (tag_read(part3_memory("30660000000013", OWNER), dsfid=0x3E), Verdict.WRITE, "migrate:iso28560-3"),
        (tag_read(three_m_memory("30660000000013")), Verdict.WRITE, "migrate:3m-rfid501"),
        (tag_read(bytes(range(1, 30))), Verdict.CONFIRM, "unknown-content"),
        (tag_read(network_memory("30660000000013", parts_in_item=2, part_number=2)), Verdict.CONFIRM,
         "set-mismatch"),
    ]
    for read, verdict, code in cases:
        result = assess(read, target, PROFILE, NETWORK)
        assert (result.verdict, result.code) == (verdict, code), read.decoded
        if verdict is not Verdict.REFUSE:
            assert result.data.primary_item_identifier == "30660000000013"


def test_interrupted_write_of_this_job_is_resumed_without_asking() -> None:
    partial = network_memory("30660000000013")[:6]
    read = tag_read(partial, dsfid=6)
    assert assess(read, Target("30660000000013"), PROFILE, NETWORK).verdict is Verdict.CONFIRM
    resumed = assess(read, Target("30660000000013", own_uids=frozenset({UID})), PROFILE, NETWORK)
    assert (resumed.verdict, resumed.code) == (Verdict.WRITE, "resume-interrupted")


def test_country_repeated_in_a_legacy_isil_is_still_our_network() -> None:
    read = tag_read(part3_memory("30660000000013", OWNER, variant="country-repeated"), dsfid=0x3E)
    assert read.decoded.owner_institution == "FR-FR660010101"
    assert assess(read, None, PROFILE, NETWORK).code == "migrate:iso28560-3"


@given(st.binary(max_size=112), st.sampled_from([0x00, 0x06, 0x3E, 0xFF]),
       st.sets(st.integers(0, 27), max_size=6), st.booleans())
def test_assess_and_plan_never_raise_on_arbitrary_tags(memory: bytes, dsfid: int, locked: set[int],
                                                        migrate: bool) -> None:
    read = tag_read(memory, dsfid=dsfid, locked=tuple(locked))
    target = None if migrate else Target("30660000000013", 2, (1, 2))
    result = assess(read, target, PROFILE, NETWORK)
    assert result.message.render("fr")
    if result.data is not None and result.verdict is not Verdict.REFUSE:
        try:
            encoded = PROFILE.encode(result.data, 112)
        except ValueError:
            return
        plan = build_plan(read, encoded, PROFILE, rewrite=result.verdict is not Verdict.CONFORMS)
        assert all(n in locked for n in plan.conflicts)
        assert len(plan.expected_memory) == plan.verify_blocks * 4


# -- write plans -----------------------------------------------------------------------------------


def test_plan_writes_only_blocks_that_differ_in_runs() -> None:
    wanted = encode(TagData("30660000000013", owner_institution=OWNER, type_of_usage=0x10), memory=112,
                    include_set=True)
    current = bytearray(wanted.memory) + bytearray(112 - len(wanted.memory))
    current[4] ^= 0xFF  # block 1 differs
    current[60] = 0x55  # stale byte in block 15, after the image
    plan = build_plan(tag_read(bytes(current), dsfid=6, afi=7), wanted, PROFILE, eas_armed=True)
    assert [(first, len(data) // 4) for first, data in plan.writes] == [(1, 1), (15, 1)]
    assert (plan.dsfid, plan.afi, plan.eas, plan.verify_blocks) == (None, None, False, 16)
    assert plan.expected_memory == bytes(wanted.memory) + bytes(64 - len(wanted.memory))


def test_plan_conflicts_and_stale_locked_blocks() -> None:
    wanted = encode(TagData("30660000000013", owner_institution=OWNER), memory=112, include_set=True)
    old = three_m_memory("30660000000021") + bytes(16) + b"\x01\x02\x03\x04"
    plan = build_plan(tag_read(old, locked=(0, 12)), wanted, PROFILE)
    assert plan.conflicts == (0,)  # inside the image: the tag is unusable
    assert 12 not in [first for first, _ in plan.writes]  # after the image: left as it is
    same = build_plan(tag_read(bytes(wanted.memory), locked=(0, 1)), wanted, PROFILE)
    assert same.conflicts == () and all(first >= 2 for first, _ in same.writes)


def test_plan_with_lock_policy_locks_only_unlocked_blocks() -> None:
    profile = TagProfile(owner=OWNER, lock=("pii",))
    wanted = profile.encode(TagData("30660000000013", owner_institution=OWNER, type_of_usage=0x10), 112)
    assert wanted.lock_blocks
    fresh = build_plan(tag_read(), wanted, profile)
    assert fresh.locks == ((wanted.lock_blocks[0], len(wanted.lock_blocks)),)
    done = build_plan(tag_read(wanted.memory, dsfid=6, afi=7, locked=wanted.lock_blocks), wanted, profile,
                      rewrite=False, eas_armed=True)
    assert done.empty


# -- batch files -----------------------------------------------------------------------------------


def test_batch_file_forms() -> None:
    semicolon = "\ufeffcode-barres;titre;parties\n30660000000013;Les Misérables;1\n30660000000021;Coffret;3\n"
    assert parse_batch(semicolon.lstrip("\ufeff"), LUHN) == [
        BatchEntry("30660000000013", 1, "Les Misérables"), BatchEntry("30660000000021", 3, "Coffret")]
    bare = "30660000000013\n\n30660000000021\n"
    assert [e.item_id for e in parse_batch(bare, LUHN)] == ["30660000000013", "30660000000021"]


def test_batch_file_errors_list_every_bad_line() -> None:
    text = "barcode,parts\n30660000000013,1\n30660000000012,1\n30660000000021,zero\n"
    with pytest.raises(BatchFileError) as info:
        parse_batch(text, LUHN, source="new.csv")
    message = str(info.value)
    assert message.startswith("new.csv: line 3: 30660000000012: wrong check digit")
    assert "line 4: parts 'zero' is not a number from 1 to 99" in message
    assert message.endswith("nothing was encoded.")
    with pytest.raises(BatchFileError, match="no barcode column"):
        parse_batch("title,parts\nx,1\n", LUHN)
    with pytest.raises(BatchFileError, match="lists no item"):
        parse_batch("\n\n", LUHN)


@given(st.text(max_size=300))
def test_batch_parser_never_raises_anything_else(text: str) -> None:
    try:
        entries = parse_batch(text, LUHN)
    except BatchFileError:
        return
    assert entries and all(luhn_valid(e.item_id) for e in entries)


# -- statistics ------------------------------------------------------------------------------------


def test_session_stats_rates() -> None:
    now = [100.0]
    stats = SessionStats(clock=lambda: now[0])
    stats.begin()
    for _ in range(10):
        now[0] += 5.0
        stats.record("encoded", "blank", 0.4)
    stats.record("failed", "tag-removed", 0.2)
    stats.record("already_done", "already-encoded")
    snapshot = stats.snapshot()
    assert (snapshot.total, snapshot.failed, snapshot.errors) == (11, 1, (("tag-removed", 1),))
    assert snapshot.items_per_hour == pytest.approx(11 * 3600 / 50)
    assert snapshot.mean_seconds == pytest.approx(0.4)


def test_daily_export_groups_by_day_operator_and_station(tmp_path) -> None:
    from datetime import UTC, datetime, timedelta

    from kiosk.encoding import export_daily_csv
    from offline_queue import EventJournal

    journal = EventJournal(tmp_path / "events.db", station_id="encoder-1")
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    for n in range(6):
        journal.record_encoding(item_id=f"3066000000{n:04d}", uid=UID, duration_ms=400.0 + n,
                                operator="op-1" if n < 4 else "op-2", at=start + timedelta(seconds=10 * n),
                                outcome="ok" if n != 2 else "failed",
                                reason=None if n != 2 else "tag-removed")
    journal.record_encoding(item_id="30660000009999", uid=UID, duration_ms=300.0, operator="op-1",
                            at=start + timedelta(days=1))
    out = io.StringIO()
    assert export_daily_csv(journal, out) == 3
    lines = out.getvalue().splitlines()
    assert lines[0] == "day,operator,station,encoded,failed,failures_by_reason,mean_seconds,first,last," \
                       "items_per_hour"
    day = start.astimezone().date().isoformat()
    first = lines[1].split(",")
    assert first[:6] == [day, "op-1", "encoder-1", "3", "1", "tag-removed:1"]
    assert first[6] == f"{(400 + 401 + 403) / 3 / 1000:.3f}"
    assert first[9] == "180"  # 3 items over the 1-minute floor
    assert lines[2].split(",")[1:5] == ["op-2", "encoder-1", "2", "0"]
    only = io.StringIO()
    assert export_daily_csv(journal, only, day=day) == 2
    journal.close()
