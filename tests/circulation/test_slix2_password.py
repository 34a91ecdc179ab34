"""SLIX2 tags whose AFI and EAS are protected by the EAS/AFI password: with ``[security] slix2_password`` the
kiosk presents it (NXP GET RANDOM NUMBER + SET PASSWORD through the FEIG driver) and the loan goes through;
without it the write is refused by the tag, the loan is undone and staff are told."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.errors import ReaderError
from iso28560.model import AFI_ON_LOAN, AFI_SECURED
from kiosk.circulation.models import ItemStatus
from kiosk.faultsim.runner import ManualClock, demo_for_runs
from simulators.tags import PASSWORD_EAS_AFI

from .conftest import login, rows, settle

PASSWORD = 0x0F1E2D3C


def protected_item(demo):
    item = demo.item("item_available", variant="slix2")
    for tag in item.tags:
        tag.passwords[PASSWORD_EAS_AFI] = PASSWORD
        tag.afi_protected = tag.eas_protected = True
    return item


@pytest.mark.parametrize("configured", [True, False], ids=["password-configured", "no-password"])
def test_password_protected_tag(tmp_path: Path, configured: bool) -> None:
    security = {"slix2_password": f"{PASSWORD:08X}"} if configured else {}
    with demo_for_runs(tmp_path, ManualClock(), config={"security": security}) as demo:
        demo.station.open()
        card = login(demo)
        item = protected_item(demo)
        demo.place(item)
        settle(demo, 2)
        row = rows(demo)[item.item_id]
        charged = demo.sigb.library.items[item.item_id].checked_out_to
        if configured:
            assert row.status is ItemStatus.BORROWED and charged == card
            assert all(t.afi == AFI_ON_LOAN and not t.eas for t in item.tags)
        else:
            assert row.status is ItemStatus.SEE_STAFF and charged is None
            assert all(t.afi == AFI_SECURED and t.eas for t in item.tags)
            assert [a.kind for a in demo.station.staff_alerts()] == ["unsecure_failed"]


def test_feig_driver_presents_the_password_exactly(tmp_path: Path) -> None:
    """The password is the 32-bit value written MSB first in the configuration; a wrong one is refused."""
    with demo_for_runs(tmp_path, ManualClock()) as demo:
        item = protected_item(demo)
        tag = item.tags[0]
        demo.place(item)
        reader = demo.station.reader
        uid = tag.uid
        with pytest.raises(ReaderError):
            reader.write_afi(uid, AFI_ON_LOAN, verify=True)  # protected: refused without the password
        reader.set_password(uid, PASSWORD.to_bytes(4, "big"))
        reader.write_afi(uid, AFI_ON_LOAN, verify=True)
        assert tag.afi == AFI_ON_LOAN
        other = demo.item("item_dvd_available", variant="slix2").tags[0]
        other.passwords[PASSWORD_EAS_AFI] = PASSWORD
        demo.place(demo.item("item_dvd_available"))
        with pytest.raises(ReaderError):
            reader.set_password(other.uid, (PASSWORD + 1).to_bytes(4, "big"))  # wrong: the tag goes quiet
        assert other.muted
