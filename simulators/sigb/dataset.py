"""The data file behind the simulated SIGB: branches, patrons, items, loan rules, SIP accounts.

A dataset is plain, frozen data read from JSON or TOML and validated once, with
errors that name the offending key (``items[12].media_type: …``). Dates are
stored *relative* to the moment a :class:`~simulators.sigb.library.Library` is
built (``days_ago``, ``expires_in_days``), so the shipped sample never goes
stale: an item lent "10 days ago" is always 10 days into its loan.

``scenarios`` names the records built for a purpose (a patron whose card is
lost, an item on hold at another branch, …) so tests and demos refer to
``dataset.scenarios["patron_card_lost"]`` instead of a bare card number.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from simulators.sigb.errors import DatasetError

PATRON_FLAGS: tuple[str, ...] = (
    "charge_denied", "renewal_denied", "recall_denied", "hold_denied", "card_lost",
    "too_many_charged", "too_many_overdue", "too_many_renewals", "too_many_claims_returned",
    "too_many_lost", "excessive_fines", "excessive_fees", "recall_overdue", "too_many_billed",
)
"""The 14 SIP2 patron status flags, in wire order; a patron's ``blocks`` name some of them."""

ITEM_STATUSES: tuple[str, ...] = ("available", "lost", "missing", "withdrawn", "not_for_loan", "on_order")
"""Administrative item states; loans, transits and hold shelves are tracked separately."""

SORT_BIN_KINDS: tuple[str, ...] = ("reshelve", "hold", "transit", "staff")

SAMPLE_DATASET = "sample_dataset.json"


@dataclass(frozen=True, slots=True)
class BranchRecord:
    code: str
    isil: str
    town: str
    name: str


@dataclass(frozen=True, slots=True)
class PatronRecord:
    card: str
    pin: str
    first_name: str
    last_name: str
    home_branch: str
    blocks: tuple[str, ...] = ()
    block_message: str | None = None
    fines: Decimal = Decimal("0.00")
    max_loans: int | None = None
    expires_in_days: int | None = None


@dataclass(frozen=True, slots=True)
class LoanRecord:
    patron: str
    days_ago: int
    renewals: int = 0
    due_in_days: int | None = None


@dataclass(frozen=True, slots=True)
class HoldRecord:
    patron: str
    pickup: str
    waiting: bool = False


@dataclass(frozen=True, slots=True)
class ItemRecord:
    barcode: str
    title: str
    author: str
    home_branch: str
    media_type: str
    call_number: str = ""
    collection: str = ""
    status: str = "available"
    security_marker: str = "02"
    loan: LoanRecord | None = None
    holds: tuple[HoldRecord, ...] = ()
    in_transit_to: str | None = None


@dataclass(frozen=True, slots=True)
class MediaRule:
    label: str
    loan_days: int
    sip_media_type: str
    max_loans: int | None = None
    fine_per_day: Decimal = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class LoanRules:
    max_loans: int
    max_renewals: int
    holds_block_renewal: bool
    media: Mapping[str, MediaRule]
    max_fines: Decimal = Decimal("10.00")
    max_overdue: int | None = None
    overdue_blocks_renewal: bool = False


@dataclass(frozen=True, slots=True)
class SipAccount:
    username: str
    password: str
    branch: str | None = None


@dataclass(frozen=True, slots=True)
class Dataset:
    network_name: str
    institution_id: str
    rules: LoanRules
    branches: tuple[BranchRecord, ...]
    patrons: tuple[PatronRecord, ...]
    items: tuple[ItemRecord, ...]
    accounts: tuple[SipAccount, ...]
    sort_bins: Mapping[str, str] = field(default_factory=dict)
    checked_in_ok: bool = False
    require_pin: bool = False
    scenarios: Mapping[str, str] = field(default_factory=dict)


def load_sample_dataset() -> Dataset:
    """The dataset shipped with Borne: 36 branches, a few dozen patrons, a few hundred items."""
    text = resources.files("simulators.sigb").joinpath(SAMPLE_DATASET).read_text("utf-8")
    return parse_dataset(json.loads(text), source=SAMPLE_DATASET)


def load_dataset(path: str | Path) -> Dataset:
    """Read a dataset from a ``.json`` or ``.toml`` file; :class:`DatasetError` says what is wrong."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read the dataset file ({exc.strerror})") from exc
    try:
        if path.suffix.lower() == ".toml":
            data = tomllib.loads(raw.decode("utf-8"))
        else:
            data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DatasetError(f"{path}: not valid {path.suffix.lstrip('.') or 'JSON'} ({exc})") from exc
    return parse_dataset(data, source=str(path))


def parse_dataset(data: Any, source: str = "dataset") -> Dataset:
    """Validate a decoded JSON/TOML document and build a :class:`Dataset`."""
    root = _Section(data, source)
    network = root.section("network")
    rules = _parse_rules(root.section("loan_rules"))
    branches = tuple(_parse_branch(s) for s in root.sections("branches"))
    patrons = tuple(_parse_patron(s) for s in root.sections("patrons"))
    items = tuple(_parse_item(s) for s in root.sections("items"))
    accounts = tuple(
        SipAccount(s.text("username"), s.text("password"), s.optional_text("branch"))
        for s in root.sections("sip_accounts")
    )
    bins = network.section("sort_bins", required=False)
    dataset = Dataset(
        network_name=network.text("name"),
        institution_id=network.text("institution_id"),
        rules=rules,
        branches=branches,
        patrons=patrons,
        items=items,
        accounts=accounts,
        sort_bins={kind: bins.text(kind, default=str(n + 1)) for n, kind in enumerate(SORT_BIN_KINDS)},
        checked_in_ok=network.boolean("checked_in_ok", default=False),
        require_pin=network.boolean("require_pin", default=False),
        scenarios={k: str(v) for k, v in root.section("scenarios", required=False).data.items()},
    )
    _check_references(dataset, source)
    return dataset


class _Section:
    """A mapping being validated, that knows its own path for error messages."""

    def __init__(self, data: Any, where: str) -> None:
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise DatasetError(f"{where}: expected a table/object, got {type(data).__name__}")
        self.data, self.where = data, where

    def _get(self, key: str, default: Any, required: bool) -> Any:
        if key in self.data:
            return self.data[key]
        if required:
            raise DatasetError(f"{self.where}.{key}: missing (required)")
        return default

    def section(self, key: str, required: bool = True) -> _Section:
        return _Section(self._get(key, {}, required), f"{self.where}.{key}")

    def sections(self, key: str) -> list[_Section]:
        value = self._get(key, [], True)
        if not isinstance(value, list):
            raise DatasetError(f"{self.where}.{key}: expected a list")
        return [_Section(v, f"{self.where}.{key}[{n}]") for n, v in enumerate(value)]

    def text(self, key: str, default: str | None = None) -> str:
        value = self._get(key, default, default is None)
        if not isinstance(value, str) or not value.strip():
            raise DatasetError(f"{self.where}.{key}: expected a non-empty string, got {value!r}")
        _check_wire_text(f"{self.where}.{key}", value)
        return value

    def optional_text(self, key: str) -> str | None:
        value = self._get(key, None, False)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise DatasetError(f"{self.where}.{key}: expected a non-empty string or null, got {value!r}")
        if value is not None:
            _check_wire_text(f"{self.where}.{key}", value)
        return value

    def integer(self, key: str, default: int | None = None, minimum: int = 0, nullable: bool = False) -> Any:
        value = self._get(key, default, default is None and not nullable)
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise DatasetError(f"{self.where}.{key}: expected an integer >= {minimum}, got {value!r}")
        return value

    def boolean(self, key: str, default: bool | None = None) -> bool:
        value = self._get(key, default, default is None)
        if not isinstance(value, bool):
            raise DatasetError(f"{self.where}.{key}: expected true or false, got {value!r}")
        return value

    def money(self, key: str, default: str = "0.00") -> Decimal:
        value = self._get(key, default, False)
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            amount = Decimal("NaN")
        if not amount.is_finite() or amount < 0 or isinstance(value, bool):
            raise DatasetError(f"{self.where}.{key}: expected an amount in euros like '2.50', got {value!r}")
        return amount.quantize(Decimal("0.01"))

    def text_list(self, key: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
        value = self._get(key, [], False)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise DatasetError(f"{self.where}.{key}: expected a list of strings")
        for v in value:
            if v not in allowed:
                raise DatasetError(f"{self.where}.{key}: unknown value {v!r} (known: {', '.join(allowed)})")
        return tuple(value)


def _check_wire_text(where: str, value: str) -> None:
    """Text ends up in SIP2 fields, where '|' separates fields and CR/LF end the frame."""
    bad = next((c for c in value if c in "|\r\n" or not c.isprintable()), None)
    if bad is not None:
        raise DatasetError(f"{where}: {bad!r} cannot appear in a SIP2 field (in {value!r})")


def _parse_rules(s: _Section) -> LoanRules:
    media_section = s.section("media")
    media = {}
    for name in media_section.data:
        m = media_section.section(name)
        sip_type = m.text("sip_media_type")
        if not (len(sip_type) == 3 and sip_type.isdigit()):
            raise DatasetError(f"{m.where}.sip_media_type: expected 3 digits (SIP2 media type), "
                               f"got {sip_type!r}")
        media[name] = MediaRule(
            label=m.text("label"), loan_days=m.integer("loan_days", minimum=1), sip_media_type=sip_type,
            max_loans=m.integer("max_loans", nullable=True), fine_per_day=m.money("fine_per_day"),
        )
    if not media:
        raise DatasetError(f"{media_section.where}: define at least one media type")
    return LoanRules(
        max_loans=s.integer("max_loans", minimum=1), max_renewals=s.integer("max_renewals"),
        holds_block_renewal=s.boolean("holds_block_renewal"), media=media,
        max_fines=s.money("max_fines", default="10.00"),
        max_overdue=s.integer("max_overdue", nullable=True, minimum=1),
        overdue_blocks_renewal=s.boolean("overdue_blocks_renewal", default=False),
    )


def _parse_branch(s: _Section) -> BranchRecord:
    isil = s.text("isil")
    if not isil.startswith("FR-") or len(isil) > 16:
        raise DatasetError(f"{s.where}.isil: expected a French ISIL like FR-660010101, got {isil!r}")
    return BranchRecord(code=s.text("code"), isil=isil, town=s.text("town"), name=s.text("name"))


def _parse_patron(s: _Section) -> PatronRecord:
    pin = s.text("pin")
    return PatronRecord(
        card=s.text("card"), pin=pin, first_name=s.text("first_name"), last_name=s.text("last_name"),
        home_branch=s.text("home_branch"), blocks=s.text_list("blocks", PATRON_FLAGS),
        block_message=s.optional_text("block_message"), fines=s.money("fines"),
        max_loans=s.integer("max_loans", nullable=True),
        expires_in_days=s.integer("expires_in_days", nullable=True, minimum=-100_000),
    )


def _parse_item(s: _Section) -> ItemRecord:
    status = s.text("status", default="available")
    if status not in ITEM_STATUSES:
        raise DatasetError(f"{s.where}.status: unknown status {status!r} (known: {', '.join(ITEM_STATUSES)})")
    barcode = s.text("barcode")
    loan = None
    if s.data.get("loan") is not None:
        ls = s.section("loan")
        loan = LoanRecord(
            patron=ls.text("patron"), days_ago=ls.integer("days_ago"),
            renewals=ls.integer("renewals", default=0),
            due_in_days=ls.integer("due_in_days", nullable=True, minimum=-100_000),
        )
    holds = tuple(
        HoldRecord(h.text("patron"), h.text("pickup"), h.boolean("waiting", default=False))
        for h in (s.sections("holds") if "holds" in s.data else [])
    )
    return ItemRecord(
        barcode=barcode, title=s.text("title"), author=s.text("author", default="-"),
        home_branch=s.text("home_branch"), media_type=s.text("media_type"),
        call_number=s.optional_text("call_number") or "", collection=s.optional_text("collection") or "",
        status=status, security_marker=s.text("security_marker", default="02"), loan=loan, holds=holds,
        in_transit_to=s.optional_text("in_transit_to"),
    )


def _unique(values: list[str], what: str, source: str) -> set[str]:
    seen: set[str] = set()
    for v in values:
        if v in seen:
            raise DatasetError(f"{source}.{what}: duplicate {v!r}")
        seen.add(v)
    return seen


def _check_references(d: Dataset, source: str) -> None:
    """Every reference (branch, patron, media type) resolves; hold/loan/transit states are coherent."""
    branches = _unique([b.code for b in d.branches], "branches", source)
    _unique([b.isil for b in d.branches], "branches (isil)", source)
    patrons = _unique([p.card for p in d.patrons], "patrons", source)
    barcodes = _unique([i.barcode for i in d.items], "items", source)

    def need(value: str | None, known: set[str], where: str, what: str, hint: str = "") -> None:
        if value is not None and value not in known:
            raise DatasetError(f"{source}.{where}: unknown {what} {value!r}{hint}")

    for n, a in enumerate(d.accounts):
        need(a.branch, branches, f"sip_accounts[{n}].branch", "branch")
    for n, p in enumerate(d.patrons):
        need(p.home_branch, branches, f"patrons[{n}].home_branch", "branch")
    for n, i in enumerate(d.items):
        where = f"items[{n}]"
        need(i.home_branch, branches, f"{where}.home_branch", "branch")
        need(i.in_transit_to, branches, f"{where}.in_transit_to", "branch")
        need(i.media_type, set(d.rules.media), f"{where}.media_type", "media type",
             f" (known: {', '.join(d.rules.media)}; see loan_rules.media)")
        if i.loan:
            need(i.loan.patron, patrons, f"{where}.loan.patron", "patron")
        for h_n, h in enumerate(i.holds):
            need(h.patron, patrons, f"{where}.holds[{h_n}].patron", "patron")
            need(h.pickup, branches, f"{where}.holds[{h_n}].pickup", "branch")
            if h.waiting and (h_n or i.loan or i.in_transit_to):
                raise DatasetError(f"{source}.{where}.holds[{h_n}].waiting: only the first hold of an item "
                                   "that is neither on loan nor in transit can be waiting on the hold shelf")
    for name, ref in d.scenarios.items():
        need(ref, patrons | barcodes | branches, f"scenarios.{name}", "patron, item or branch")
