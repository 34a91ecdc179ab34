from __future__ import annotations

import threading
import time

import pytest

from drivers.errors import ReaderGone
from gate.events import Reason
from gate.readers import DOWN, OK
from simulators.gate_traffic import TrafficPlanner
from simulators.tags import SlixTag

from .conftest import DictLookup

PLAN = TrafficPlanner(seed=7)


def chip(kind: str, **changes: object) -> SlixTag:
    t = PLAN.tag(kind)
    options = {"afi": t.afi, "eas": t.eas, **changes}
    return SlixTag(t.uid, t.memory, **options)  # type: ignore[arg-type]


def test_afi_mode_secured_item_alarms_once_and_is_logged(rig) -> None:
    r = rig("afi")
    tag = r.field.place(chip("secured"))
    r.cycles(10)
    assert len(r.alarms) == 1
    alarm, record = r.alarms[0]
    assert alarm.reason == Reason.SECURED and record.uid == tag.uid.hex().upper()
    assert record.item_id and record.item_id.startswith("3")
    assert r.light.active and len(r.light.activations) == 1
    assert r.gate.log.recent()[0].id == record.id


@pytest.mark.parametrize("kind", ["on_loan", "patron_card", "foreign", "equipment"])
def test_afi_mode_is_silent_for_everything_else(rig, kind: str) -> None:
    r = rig("afi")
    r.field.place(chip(kind, afi=0x07) if kind != "on_loan" else chip(kind))  # worst case: secured AFI
    r.field.place(chip("blank"))
    r.cycles(5)
    assert r.alarms == [] and not r.light.activations


def test_afi_mode_secured_tag_without_library_data_alarms(rig) -> None:
    r = rig("afi")
    r.field.place(chip("blank", afi=0x07))  # secured but unreadable content: fail secure
    r.cycles(2)
    assert [a.reason for a, _ in r.alarms] == [Reason.UNIDENTIFIED]


def test_identification_is_cached_per_uid(rig) -> None:
    r = rig("afi")
    r.field.place(chip("patron_card", afi=0x07))
    r.cycles(20)
    assert r.reader.calls.count("read_blocks") == 1


def test_output_goes_off_after_its_duration(rig) -> None:
    r = rig("afi")
    tag = r.field.place(chip("secured"))
    r.cycles(1)
    r.field.remove(tag.uid)
    deadline = time.monotonic() + 2
    while r.light.active and time.monotonic() < deadline:
        r.cycles(1)
        time.sleep(0.02)
    assert not r.light.active


def test_eas_mode_names_the_armed_item_and_ignores_foreign_and_loaned(rig) -> None:
    r = rig("eas")
    secured = r.field.place(chip("secured"))
    r.field.place(chip("on_loan"))
    r.field.place(chip("foreign", eas=True))
    r.cycles(3)
    assert [a.sighting.uid for a, _ in r.alarms] == [secured.uid]
    assert r.alarms[0][0].reason == Reason.EAS


def test_eas_mode_foreign_eas_alone_is_silent_and_unattributed_eas_alarms(rig) -> None:
    r = rig("eas")
    foreign = r.field.place(chip("foreign", eas=True))
    r.cycles(3)
    assert r.alarms == []
    r.field.remove(foreign.uid)
    r.field.place(SlixTag(PLAN.tag("blank").uid, b"", afi=0, eas=True))  # armed, unidentifiable
    r.cycles(1)
    assert len(r.alarms) == 1 and r.alarms[0][0].reason == Reason.UNIDENTIFIED


def test_database_mode_trusts_the_sigb_not_the_tag(rig) -> None:
    lying_loan, lying_secured = chip("on_loan"), chip("secured")  # AFI says loan / secured
    ids = {t.uid: PLAN_ITEM(t) for t in (lying_loan, lying_secured)}
    lookup = DictLookup({ids[lying_loan.uid]: (False, "Germinal"), ids[lying_secured.uid]: (True, "Nana")})
    r = rig("database", lookup=lookup)
    r.field.place(lying_loan)
    r.field.place(lying_secured)
    deadline = time.monotonic() + 3
    while not r.alarms and time.monotonic() < deadline:
        r.cycles(1)
        time.sleep(0.01)
    assert [a.sighting.uid for a, _ in r.alarms] == [lying_loan.uid]
    assert r.alarms[0][0].reason == Reason.NOT_CHECKED_OUT


def PLAN_ITEM(tag: SlixTag) -> str:
    import iso28560

    return iso28560.decode(bytes(tag.memory)).primary_item_identifier


def test_database_mode_late_alarm_when_the_answer_comes_after_the_item_left(rig) -> None:
    item = chip("secured")
    gate_lookup = DictLookup({PLAN_ITEM(item): (False, "Thérèse Raquin")})
    release = threading.Event()
    original = gate_lookup.item_state
    gate_lookup.item_state = lambda item_id: (release.wait(2), original(item_id))[1]  # type: ignore[method-assign]
    r = rig("database", lookup=gate_lookup)
    r.field.place(item)
    r.cycles(2)
    r.field.remove(item.uid)
    assert r.alarms == []
    release.set()
    deadline = time.monotonic() + 2
    while not r.alarms and time.monotonic() < deadline:
        r.cycles(1)
        time.sleep(0.01)
    assert len(r.alarms) == 1 and r.alarms[0][1].title is None


def test_title_is_filled_in_the_background(rig) -> None:
    item = chip("secured")
    r = rig("afi", lookup=DictLookup({PLAN_ITEM(item): (False, "L'Assommoir")}))
    r.field.place(item)
    r.cycles(1)
    row = r.alarms[0][1].id
    assert r.alarms[0][1].title is None  # the alarm did not wait
    deadline = time.monotonic() + 2
    while r.gate.log.get(row).title is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert r.gate.log.get(row).title == "L'Assommoir"


def test_direction_from_the_counter_and_hourly_counts(rig) -> None:
    r = rig("afi")
    tag = r.field.place(chip("secured"))
    r.cycles(1)
    r.counter.walk("out")
    r.field.remove(tag.uid)
    r.cycles(1)
    time.sleep(0.55)
    r.cycles(1)
    record = r.gate.log.get(r.alarms[0][1].id)
    assert record.direction == "out"
    assert sum(c.exits for c in r.gate.counts.hourly()) == 1


def test_reader_loss_and_recovery(rig) -> None:
    attempts: list[str] = []

    def factory(rig_):
        attempts.append("open")
        if len(attempts) in (2, 3):
            raise ReaderGone("no such port")
        return rig_.reader

    r = rig("afi", reader_factory=factory)
    r.controller.slots[0].reconnect_s = 0.05
    r.field.place(chip("secured"))
    r.reader.unplugged = True
    r.cycles(1)
    slot = r.controller.slots[0]
    assert slot.state == DOWN and r.alarms == []
    r.reader.unplugged = False
    r.reader.closed = False
    deadline = time.monotonic() + 3
    while slot.state != OK and time.monotonic() < deadline:
        time.sleep(0.02)
    assert slot.state == OK and len(attempts) == 4 and slot.losses == 1
    r.cycles(1)
    assert len(r.alarms) == 1


def test_timeouts_only_take_a_reader_down_after_several_in_a_row(rig) -> None:
    r = rig("afi")
    slot = r.controller.slots[0]
    r.reader.silent = True
    r.cycles(2)
    assert slot.state == OK
    r.cycles(1)
    assert slot.state == DOWN


def test_steady_cycle_in_a_thread(rig) -> None:
    r = rig("afi")
    thread = threading.Thread(target=r.controller.run, daemon=True)
    thread.start()
    time.sleep(0.5)
    r.controller._stop.set()
    thread.join(2)
    stats = r.controller.stats
    assert 12 <= stats.cycles <= 27  # 20 ms grid over 0.5 s (fewer when a loaded machine overruns)
    assert stats.cpu_share(time.monotonic()) < 1.0


def test_acknowledge_silences_and_marks_the_passage(rig) -> None:
    r = rig("afi")
    r.field.place(chip("secured"))
    r.field.place(chip("secured"))
    r.cycles(1)
    assert r.light.active and len(r.alarms) == 2
    assert r.controller.acknowledge(r.alarms[1][1].id)
    assert not r.light.active
    assert all(rec.acknowledged for rec in r.gate.log.recent())


def test_eas_item_leaving_the_field_does_not_raise_a_second_alarm(rig) -> None:
    r = rig("eas")
    item = r.field.place(chip("secured"))
    r.cycles(1)
    assert len(r.alarms) == 1
    # Leaving: the EAS poll still hears it, the inventory that follows no longer does.
    original = r.reader.inventory
    r.reader.inventory = lambda afi=None, antenna=None: []
    r.cycles(3)
    r.reader.inventory = original
    r.field.remove(item.uid)
    assert len(r.alarms) == 1


def test_buffered_read_mode_is_refused_where_it_cannot_work() -> None:
    from gate.config import ConfigError, parse_config

    reader = '[[reader]]\ndriver = "{driver}"\nport = "x"\nread_mode = "buffered"\n'
    with pytest.raises(ConfigError, match="EAS mode polls the EAS alarm"):
        parse_config(
            '[gate]\nmode = "eas"\n[policy]\nignore_foreign = false\n' + reader.format(driver="feig")
        )
    with pytest.raises(ConfigError, match="only FEIG readers"):
        parse_config("[policy]\nignore_foreign = false\n" + reader.format(driver="3m"))


def eas_detector(clock=time.monotonic):
    from gate.config import PolicyConfig
    from gate.identify import TagIdentifier
    from gate.modes import EasDetector
    from gate.policy import DetectionPolicy
    from iso28560.model import AFI_PROFILES

    rules = PolicyConfig(network_institutions=("FR-751131015",))
    policy = DetectionPolicy(rules, AFI_PROFILES["iso28560"], "eas")
    return EasDetector(policy, TagIdentifier(), clock=clock), policy


def leaves_after_the_eas_poll(reader, field, tag: SlixTag) -> None:
    """``tag`` answers the next EAS poll, then leaves the field before the inventory that follows."""
    ask = reader.eas_alarm

    def answer_then_leave(uid: bytes | None = None) -> bool:
        answered = ask(uid)
        if uid is None and field.get(tag.uid) is not None:
            field.remove(tag.uid)
        return answered

    reader.eas_alarm = answer_then_leave


def test_eas_answer_from_a_tag_that_left_is_not_pinned_on_the_unarmed_tag_that_stayed() -> None:
    """The armed item leaves between the EAS poll and the inventory; the item on loan stays alone."""
    from simulators.rf import RFField

    from .field_reader import FieldReader

    field = RFField()
    armed, unarmed = field.place(chip("secured")), field.place(chip("on_loan"))
    assert armed.eas and not unarmed.eas
    reader = FieldReader(field)
    leaves_after_the_eas_poll(reader, field, armed)
    detector, _ = eas_detector()
    seen = list(detector.poll("gate", reader, None))  # type: ignore[arg-type]
    assert unarmed.uid not in [s.uid for s in seen]
    assert [s.uid for s in seen] == [None]  # an EAS answer nobody present can be tied to (fail secure)


def test_eas_answer_from_a_foreign_tag_that_left_is_not_an_unattributed_alarm() -> None:
    """A foreign armed tag was set aside; it answers the next EAS poll and leaves before the inventory."""
    from simulators.rf import RFField

    from .field_reader import FieldReader

    field = RFField()
    foreign, unarmed = field.place(chip("foreign", eas=True)), field.place(chip("on_loan"))
    reader = FieldReader(field)
    now = [0.0]
    detector, policy = eas_detector(clock=lambda: now[0])
    for t in (0.0, 1.0):  # named once (identified), then set aside from the cache
        now[0] = t
        first = list(detector.poll("gate", reader, None))  # type: ignore[arg-type]
        assert [s.uid for s in first] == [foreign.uid] and not policy.decide(first[0]).alarm
    now[0] = 2.0  # more than memory_s after it was last named
    leaves_after_the_eas_poll(reader, field, foreign)
    second = list(detector.poll("gate", reader, None))  # type: ignore[arg-type]
    assert [s.uid for s in second] == [foreign.uid] and not policy.decide(second[0]).alarm
    assert unarmed.uid not in [s.uid for s in second]
