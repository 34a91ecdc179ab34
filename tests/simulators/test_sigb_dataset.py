"""The dataset file: the shipped sample network, loading JSON/TOML, and errors that name the key."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from sigb_helpers import clock, tiny

from simulators.sigb import DatasetError, Library, load_dataset, load_sample_dataset
from simulators.sigb.dataset import parse_dataset


@pytest.fixture(scope="module")
def sample():
    return load_sample_dataset()


def luhn_ok(number: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(number)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def test_sample_has_36_branches_with_french_isils(sample):
    assert len(sample.branches) == 36
    assert len({b.code for b in sample.branches}) == 36
    assert all(re.fullmatch(r"FR-\d{9}", b.isil) for b in sample.branches)
    assert len({b.isil for b in sample.branches}) == 36
    assert {"Perpignan", "Canet-en-Roussillon", "Pézilla-la-Rivière"} <= {b.town for b in sample.branches}


def test_sample_patrons_are_a_few_dozen_with_accented_names_and_valid_cards(sample):
    assert 30 <= len(sample.patrons) <= 80
    names = [p.first_name + p.last_name for p in sample.patrons]
    assert sum(not n.isascii() for n in names) >= 20
    assert any("œ" in n for n in names)  # exercises the cp850 transliteration
    assert all(len(p.card) == 14 and p.card.startswith("2") and luhn_ok(p.card) for p in sample.patrons)
    assert all(p.pin.isdigit() and len(p.pin) == 4 for p in sample.patrons)


def test_sample_items_are_a_few_hundred_french_titles_of_every_media_type(sample):
    assert 250 <= len(sample.items) <= 600
    assert all(len(i.barcode) == 14 and i.barcode.startswith("3") and luhn_ok(i.barcode)
               for i in sample.items)
    assert {i.media_type for i in sample.items} == set(sample.rules.media)
    accented = [i.title for i in sample.items if not i.title.isascii()]
    assert len(accented) >= 60
    assert all(unicodedata.is_normalized("NFC", i.title) for i in sample.items)
    assert sum(i.loan is not None for i in sample.items) >= 40
    assert sum(bool(i.holds) for i in sample.items) >= 5
    assert {i.status for i in sample.items} >= {"available", "lost", "missing", "withdrawn", "not_for_loan"}


def test_sample_loan_rules_cover_period_limits_renewals_and_holds(sample):
    rules = sample.rules
    assert rules.media["livre"].loan_days == 28 and rules.media["dvd"].loan_days == 14
    assert rules.media["dvd"].max_loans == 4
    assert rules.max_renewals == 2 and rules.holds_block_renewal


def test_every_scenario_resolves_and_behaves_as_named(sample):
    library = Library(sample, clock=clock)
    sc = sample.scenarios
    assert library.items[sc["item_lost"]].circulation_status == 12
    assert library.items[sc["item_waiting_on_hold_shelf"]].circulation_status == 8
    assert library.items[sc["item_in_transit"]].circulation_status == 10
    assert library.items[sc["item_on_loan"]].checked_out_to == sc["patron_ok"]
    assert library.items[sc["item_available_canet"]].home_branch == "CANET"
    assert library.patron_info(sc["patron_card_lost"]).flags["card_lost"]
    assert library.patron_info(sc["patron_overdue"]).flags["too_many_overdue"]
    assert not any(library.patron_info(sc["patron_ok"]).flags.values())


def test_relative_dates_follow_the_clock(sample):
    library = Library(sample, clock=clock)
    item = library.items[sample.scenarios["item_on_loan"]]
    assert item.loan_date == clock() - timedelta(days=10)  # "days_ago": 10
    assert item.due_date == datetime.combine(item.loan_date.date() + timedelta(days=28), time(23, 59))


def test_toml_dataset_loads(tmp_path: Path):
    toml = '''
[network]
name = "Réseau TOML"
institution_id = "T"
[loan_rules]
max_loans = 5
max_renewals = 1
holds_block_renewal = false
[loan_rules.media.livre]
label = "Livre"
loan_days = 21
sip_media_type = "001"
[[branches]]
code = "A"
isil = "FR-000000001"
town = "Ville"
name = "Médiathèque A"
[[patrons]]
card = "P1"
pin = "0000"
first_name = "Noël"
last_name = "Bénard"
home_branch = "A"
[[items]]
barcode = "X1"
title = "Germinal"
home_branch = "A"
media_type = "livre"
[[sip_accounts]]
username = "u"
password = "p"
'''
    path = tmp_path / "net.toml"
    path.write_text(toml, encoding="utf-8")
    dataset = load_dataset(path)
    assert dataset.patrons[0].first_name == "Noël" and dataset.items[0].title == "Germinal"
    assert dataset.sort_bins == {"reshelve": "1", "hold": "2", "transit": "3", "staff": "4"}


def test_json_dataset_file_round_trip(tmp_path: Path):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(tiny()), encoding="utf-8")
    assert load_dataset(path).network_name == "Réseau test"


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda d: d["network"].pop("institution_id"), r"network\.institution_id: missing"),
    (lambda d: d["items"][1].update(media_type="vinyle"),
     r"items\[1\]\.media_type: unknown media type 'vinyle' \(known: livre, dvd"),
    (lambda d: d["items"][0].update(home_branch="OUEST"), r"items\[0\]\.home_branch: unknown branch 'OUEST'"),
    (lambda d: d["items"].append(dict(d["items"][0])), r"items: duplicate 'I1'"),
    (lambda d: d["branches"][2].update(isil="XX-1"), r"branches\[2\]\.isil: expected a French ISIL"),
    (lambda d: d["patrons"][0].update(fines="beaucoup"), r"patrons\[0\]\.fines: expected an amount"),
    (lambda d: d["patrons"][1].update(blocks=["banni"]), r"patrons\[1\]\.blocks: unknown value 'banni'"),
    (lambda d: d["loan_rules"].update(max_loans=0), r"loan_rules\.max_loans: expected an integer >= 1"),
    (lambda d: d["loan_rules"]["media"]["dvd"].update(sip_media_type="DVD"), r"media\.dvd\.sip_media_type"),
    (lambda d: d["items"][0].update(loan={"patron": "P9", "days_ago": 1}),
     r"items\[0\]\.loan\.patron: unknown"),
    (lambda d: d["items"][0].update(loan={"patron": "P1", "days_ago": 1},
                                    holds=[{"patron": "P2", "pickup": "NORD", "waiting": True}]),
     r"items\[0\]\.holds\[0\]\.waiting: only the first hold"),
    (lambda d: d["patrons"][0].update(card="P|1"), r"patrons\[0\]\.card: '\|' cannot appear in a SIP2 field"),
    (lambda d: d["items"][2].update(title="Deux\nlignes"), r"items\[2\]\.title: '\\n' cannot appear"),
    (lambda d: d.update(scenarios={"x": "nothing"}), r"scenarios\.x: unknown patron, item or branch"),
    (lambda d: d.update(items={"I1": {}}), r"dataset\.items: expected a list"),
])
def test_invalid_datasets_are_refused_naming_the_key(mutate, expected):
    data = tiny()
    mutate(data)
    with pytest.raises(DatasetError, match=expected):
        parse_dataset(data)


def test_unreadable_files_say_which_file(tmp_path: Path):
    with pytest.raises(DatasetError, match="cannot read"):
        load_dataset(tmp_path / "absent.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"bad\.json: not valid json"):
        load_dataset(bad)
