"""Batch lists and the threaded desk: entries in order with their parts, skipping, unknown items passed over,
scans during a batch, SLIX2 tags, and the scripted demo played through the worker thread."""

from __future__ import annotations

from iso28560 import decode
from kiosk.encoding import BatchEntry, Mode, Phase, StationRunner
from kiosk.encoding.demo_script import RunnerActor, run_script


def content(tag):
    data = decode(bytes(tag.memory), tag.dsfid).data
    return (data.primary_item_identifier, data.parts_in_item, data.part_number) if data else None


def test_batch_list_in_order_with_parts_skip_and_unknown_items(make_desk) -> None:
    desk = make_desk(config={"encoding": {"unknown_items": "refuse"}})
    station = desk.station
    first, second, third = desk.item(0), desk.item(1), desk.item(2)
    station.start_batch([BatchEntry(first), BatchEntry("30669999999994"), BatchEntry(second, parts=2),
                         BatchEntry(third)])
    assert (station.mode, station.batch_position, station.job.item_id) == (Mode.BATCH, (1, 4), first)
    a = desk.place(desk.blank_tag())
    station.poll()
    assert content(a) == (first, 1, 1)
    # the unknown item is reported and passed over: the desk now waits for part 1 of the next entry
    assert station.batch_position == (3, 4) and station.job.item_id == second
    assert [r.code for r in station.history[:2]] == ["unknown-item", "blank"]
    station.scan(third)  # another barcode during a batch is refused, the batch goes on
    assert station.last_result.code == "batch-in-progress" and station.job.item_id == second
    b1, b2 = desk.blank_tag(), desk.blank_tag()
    desk.place(b1)
    station.poll()
    desk.place(b2)
    station.poll()
    assert (content(b1), content(b2)) == ((second, 2, 1), (second, 2, 2))
    assert station.job.item_id == third
    station.cancel()  # skip the last one
    assert station.phase is Phase.FINISHED
    assert station.guidance.render("en") == "Batch finished: 3 tag(s) done, 2 failure(s)."


def test_slix2_tags_use_their_whole_memory(desk) -> None:
    tag = desk.place(desk.blank_tag(bytes([0x5A]) * 200, variant="slix2"))
    desk.station.scan(desk.item(3))
    desk.station.poll()
    assert desk.station.last_result.outcome == "question"  # unknown content
    desk.station.confirm()
    assert content(tag) == (desk.item(3), 1, 1)
    assert bytes(tag.memory[40:]) == bytes(len(tag.memory) - 40)


def test_scripted_demo_through_the_worker_thread(desk) -> None:
    runner = StationRunner(desk.station, poll_interval=0.01).start()
    try:
        run_script(desk, RunnerActor(desk, runner, pause=0.08), lambda text: None)
    finally:
        runner.stop()
    stats = desk.station.session.snapshot()
    assert (stats.encoded, stats.migrated, stats.already_done, stats.failed) == (7, 4, 2, 1)
    assert dict(stats.errors) == {"barcode-format": 1, "blank-tag": 1, "locked": 1, "several-tags": 1,
                                  "tag-removed": 1}
    assert desk.journal.query("SELECT count(*) AS n FROM encodings WHERE outcome = 'ok'")[0]["n"] == 11
