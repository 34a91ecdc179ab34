"""The encoding desk as an observable model: scan, place, read, decide, write, verify, journal, count.

Theory of operation
-------------------
The desk is driven by two kinds of calls, both made on one thread (the
:class:`~kiosk.encoding.runner.StationRunner` worker, or a test):

- staff commands: :meth:`scan`, :meth:`set_parts`, :meth:`confirm`,
  :meth:`cancel`, :meth:`retry`, :meth:`set_operator`, :meth:`start_batch`,
  :meth:`start_migration`;
- :meth:`poll`: one inventory of the pad, then at most one tag handled.

Tags are judged once per placement: a UID that was handled (encoded, failed,
refused, declined) is ignored until it leaves the pad. This one rule gives the
desk its behaviour: the previous item left on the pad is never touched again,
the parts already done of a set may stay on the pad while the next part is
placed, and a failed tag is tried again when it is put back (or on
:meth:`retry`). Exactly one *new* tag must be on the pad; two new tags are
refused until one is taken away.

For the tag, :mod:`~kiosk.encoding.assess` decides (write, already right,
confirm, refuse), :mod:`~kiosk.encoding.plan` computes the commands and
:mod:`~kiosk.encoding.writer` runs and verifies them. Every outcome becomes an
:class:`~kiosk.encoding.job.EncodingResult`: shown (``message``, ``signal``,
``feedback`` event), counted (``stats``) and journaled (item identifier, UID,
duration, operator pseudonym; never patron data). The time of a tag runs from
the start of the inventory that detected it to the end of the verified write.

Views read the fields below and subscribe to ``events``; they change nothing
except through the command methods.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from drivers.base import ItemReader, TagRead
from drivers.errors import NoTag, ReaderError
from iso28560.errors import EncodeError
from iso28560.model import is_patron_card
from kiosk.circulation.observable import Observable
from kiosk.config import KioskConfig
from kiosk.i18n import Message, _

from .assess import Assessment, Target, Verdict, assess
from .barcode import BarcodeRejected, check_barcode
from .batch import BatchEntry
from .job import Confirmation, EncodingResult, Job, Mode, Phase, Signal
from .lookup import ItemDetails, ItemLookup
from .plan import build_plan
from .profile import TagProfile
from .settings import EncodingSection, encoding_settings, valid_operator
from .stats import SessionStats, StatsSnapshot
from .writer import EncodingFailed, execute

log = logging.getLogger(__name__)

HISTORY = 20
OK_OUTCOMES = {"blank": "encoded", "update": "updated", "already-encoded": "updated",
               "resume-interrupted": "encoded"}


class EncodingStation(Observable):
    """Model of one encoding desk (see the module docstring)."""

    _fields = ("mode", "phase", "job", "parts", "operator", "message", "signal", "guidance", "pad_count",
               "confirmation", "last_result", "stats", "batch_position", "history")
    _extra_events = ("feedback",)

    def __init__(self, config: KioskConfig, reader: ItemReader, *, lookup: ItemLookup | None = None,
                 journal: Any = None, settings: EncodingSection | None = None,
                 clock: Callable[[], float] = time.perf_counter, operator: str | None = None) -> None:
        settings = settings or encoding_settings(config)
        super().__init__(
            mode=Mode.SINGLE, phase=Phase.SCAN, job=None, parts=1, operator=operator or settings.operator,
            message=_("Ready."), signal=Signal.NONE, guidance=_("Scan the barcode of the next item."),
            pad_count=0, confirmation=None, last_result=None, stats=StatsSnapshot(), batch_position=None,
            history=())
        if not valid_operator(self.operator):
            raise ValueError(f"operator {self.operator!r}: use a pseudonym such as op-3")
        self.config = config
        self.settings = settings
        self.profile = TagProfile.from_config(config, settings)
        self.reader = reader
        self.lookup = lookup or ItemLookup(None)
        self.journal = journal
        self.clock = clock
        self.session = SessionStats(clock=clock)
        self._handled: dict[bytes, str] = {}
        self._read_failures: dict[bytes, int] = {}
        self._pending: tuple[TagRead, Assessment] | None = None
        self._crowded = 0
        self._batch: list[BatchEntry] = []
        self._batch_index = 0
        self.last_plan: Any = None

    # -- staff commands ---------------------------------------------------------------------------

    def scan(self, text: str) -> None:
        """A barcode was scanned (or typed): check it, look the item up, wait for its tag."""
        try:
            barcode = check_barcode(text, self.settings.barcode)
        except BarcodeRejected as exc:
            self._report(EncodingResult("refused", exc.code, exc.message, item_id=None))
            return
        if self.mode is Mode.BATCH and self.phase is not Phase.FINISHED:
            if self.job is None or barcode != self.job.item_id:
                self._report(EncodingResult("refused", "batch-in-progress", _(
                    "A batch list is in progress: place the tag of {item}, or cancel to skip it.",
                    item=self.job.item_id if self.job else "?"), item_id=barcode))
            return  # the current entry's own barcode: nothing to change
        self._drop_pending()
        if self.mode is Mode.BATCH:
            self._set(mode=Mode.SINGLE, batch_position=None)
        self.session.begin()
        self._start_job(barcode, self.parts, source="scan")

    def set_parts(self, parts: int) -> None:
        """Number of parts of the next items (remembered until changed); applies to the item in hand too."""
        if not isinstance(parts, int) or not 1 <= parts <= self.settings.max_parts:
            self._set(message=_("The number of parts must be from 1 to {max}.", max=self.settings.max_parts),
                      signal=Signal.FAILURE)
            return
        self._set(parts=parts)
        job = self.job
        if job is not None and not job.done and job.source == "scan" and job.parts != parts:
            self._set(job=replace(job, parts=parts))
            self._guide()

    def set_operator(self, pseudonym: str) -> None:
        pseudonym = pseudonym.strip()
        if not valid_operator(pseudonym):
            self._set(message=_("{operator} is not a pseudonym: use letters, digits and - (e.g. op-3), "
                                "never a name or a card number.", operator=pseudonym), signal=Signal.FAILURE)
            return
        self._set(operator=pseudonym)

    def confirm(self) -> None:
        """Overwrite the tag the pending question is about."""
        if self.phase is not Phase.CONFIRM or self._pending is None:
            return
        read, assessment = self._pending
        self._drop_pending()
        overwrite = replace(assessment, verdict=Verdict.WRITE, code=f"overwrite:{assessment.code}")
        self._write(read, overwrite, self.clock(), eas_armed=None)

    def cancel(self) -> None:
        """Decline the pending overwrite, or abandon the item in hand (batch: skip it)."""
        if self.phase is Phase.CONFIRM and self._pending is not None:
            uid = self._pending[0].uid
            self._handled[uid] = "declined"
            self._drop_pending()
            self._set(phase=Phase.PLACE, message=_("Not overwritten. Place another tag, or scan another "
                                                   "barcode."), signal=Signal.WARNING)
            self._guide()
            return
        if self.mode is Mode.BATCH and self.phase is not Phase.FINISHED:
            self._set(message=_("{item} skipped.", item=self.job.item_id if self.job else "?"),
                      signal=Signal.WARNING)
            self._next_batch_entry()
            return
        self._set(job=None, phase=Phase.PLACE if self.mode is Mode.MIGRATE else Phase.SCAN,
                  message=_("Cancelled."), signal=Signal.NONE)
        self._guide()

    def retry(self) -> None:
        """Try the tags on the pad again after a failure (without lifting them)."""
        for uid, state in list(self._handled.items()):
            if state in ("failed", "refused", "declined", "unreadable"):
                del self._handled[uid]
                self._read_failures.pop(uid, None)
        if self.phase is Phase.FAILED:
            self._set(phase=Phase.PLACE if self.job is not None or self.mode is Mode.MIGRATE else Phase.SCAN)
            self._guide()

    def start_batch(self, entries: Sequence[BatchEntry]) -> None:
        """Encode the items of a list in order (``borne encode --batch``)."""
        if not entries:
            raise ValueError("the batch list is empty")
        self._drop_pending()
        self._batch, self._batch_index = list(entries), 0
        self._set(mode=Mode.BATCH)
        self.session.begin()
        self._start_batch_entry()

    def start_migration(self) -> None:
        """Convert legacy tags to the network profile as they are placed (``borne encode --migrate``)."""
        self._drop_pending()
        self._set(mode=Mode.MIGRATE, job=None, phase=Phase.PLACE, batch_position=None,
                  message=_("Migration: place legacy tags one at a time."), signal=Signal.NONE)
        self.session.begin()
        self._guide()

    def close(self) -> None:
        """Release the reader, the SIGB connection and the journal."""
        for resource in (self.reader, self.lookup, self.journal):
            if resource is not None:
                try:
                    resource.close()
                except Exception:
                    log.exception("closing %r failed", resource)

    def refresh_stats(self) -> None:
        self._set(stats=self.session.snapshot())

    # -- the pad ----------------------------------------------------------------------------------

    def poll(self) -> None:
        """One inventory of the pad; handle at most one new tag."""
        started = self.clock()
        try:
            uids = list(dict.fromkeys(tag.uid for tag in self.reader.inventory()))
        except ReaderError as exc:
            log.warning("inventory failed: %s", exc)
            self._set(message=_("The reader does not answer ({detail}). Check its cable.", detail=str(exc)),
                      signal=Signal.FAILURE)
            return
        self._forget_departed(uids)
        self._set(pad_count=len(uids))
        if self.phase is Phase.CONFIRM:
            self._check_pending_still_there(uids)
            return
        if self.phase in (Phase.SCAN, Phase.FINISHED) and self.mode is not Mode.MIGRATE:
            return
        new = [uid for uid in uids if uid not in self._handled]
        if not new:
            self._crowded = 0
            self._guide(previous_on_pad=bool(uids))
            return
        if self._target() is None and self.mode is not Mode.MIGRATE:
            self._set(guidance=_("Scan the barcode of the next item first."))
            return
        if len(new) > 1:
            self._too_many(len(new))
            return
        self._crowded = 0
        self._handle(new[0], started)

    def _forget_departed(self, uids: list[bytes]) -> None:
        present = set(uids)
        for uid in [u for u in self._handled if u not in present]:
            del self._handled[uid]
        for uid in [u for u in self._read_failures if u not in present]:
            del self._read_failures[uid]

    def _check_pending_still_there(self, uids: list[bytes]) -> None:
        if self._pending is not None and self._pending[0].uid not in uids:
            self._drop_pending()
            self._set(phase=Phase.PLACE, message=_("The tag was taken away: nothing was written."),
                      signal=Signal.WARNING)
            self._guide()

    def _too_many(self, count: int) -> None:
        if self._crowded != count:
            self._crowded = count
            message = _("{count} tags on the pad: leave only the tag to encode (parts already done may "
                        "stay).", count=count)
            self._report(EncodingResult("refused", "several-tags", message,
                                        item_id=self.job.item_id if self.job else None), count=True)

    def _target(self) -> Target | None:
        job = self.job
        if job is None or job.source == "tag" or job.complete:
            return None
        return job.target()

    # -- one tag ----------------------------------------------------------------------------------

    def _handle(self, uid: bytes, started: float) -> None:
        try:
            read = self.reader.read_tag(uid)
        except NoTag:
            return  # gone before it could be read: the next inventory will tell
        except ReaderError as exc:
            self._read_failed(uid, exc)
            return
        target = self._target()
        shelf = None
        if target is None:
            shelf, accepted = self._migration_job(read, started)
            if not accepted:
                return
        assessment = assess(read, target, self.profile, self.config.network,
                            migrate_formats=self.settings.migrate, shelf=shelf)
        if assessment.verdict is Verdict.REFUSE:
            self._refuse(read.uid, assessment.code, assessment.message, started, assessment.found_format)
        elif assessment.verdict is Verdict.CONFIRM:
            self._ask(read, assessment)
        else:
            armed = self._eas_state(uid) if assessment.verdict is Verdict.CONFORMS else None
            self._write(read, assessment, started, eas_armed=armed)

    def _read_failed(self, uid: bytes, exc: ReaderError) -> None:
        failures = self._read_failures.get(uid, 0) + 1
        self._read_failures[uid] = failures
        log.info("reading %s failed (%d): %s", uid.hex().upper(), failures, exc)
        if failures >= self.config.reader.read_attempts:
            self._handled[uid] = "unreadable"
            self._fail_result(uid, "unreadable", _(
                "The tag cannot be read ({detail}). Move it to the centre of the pad, or replace it.",
                detail=str(exc)), 0.0, None)

    def _migration_job(self, read: TagRead, started: float) -> tuple[str | None, bool]:
        """Migration mode: show the item the tag names (SIGB look-up); its shelf location, and go/no-go."""
        found = read.decoded.data
        if found is None or is_patron_card(found.type_of_usage):
            return None, True  # nothing to look up (assess refuses patron cards)
        details = self.lookup.lookup(found.primary_item_identifier) if self.lookup.enabled else ItemDetails(
            found.primary_item_identifier)
        self._set(job=Job(found.primary_item_identifier, max(1, found.parts_in_item), title=details.title,
                          media=details.media_label, known=details.known,
                          shelf=details.shelf(self.profile.shelf_source), source="tag"))
        if details.known is False and self.settings.unknown_items == "refuse":
            self._refuse(read.uid, "unknown-item", _(
                "{item} is unknown to the library system: not migrated.", item=found.primary_item_identifier),
                started, read.decoded.format)
            return None, False
        self._note_on_loan(details)
        return details.shelf(self.profile.shelf_source), True

    def _eas_state(self, uid: bytes) -> bool | None:
        if not self.profile.eas:
            return True
        try:
            return self.reader.eas_alarm(uid)
        except ReaderError:
            return None

    def _ask(self, read: TagRead, assessment: Assessment) -> None:
        self._pending = (read, assessment)
        question = Confirmation(read.uid, assessment.message, assessment.found_id, assessment.found_format,
                                assessment.code)
        self._set(phase=Phase.CONFIRM, confirmation=question)
        self._report(EncodingResult("question", assessment.code, assessment.message,
                                    item_id=self.job.item_id if self.job else None, uid=read.uid,
                                    format_before=assessment.found_format), count=False)
        self._guide()

    def _write(self, read: TagRead, assessment: Assessment, started: float, *,
               eas_armed: bool | None) -> None:
        uid, data = read.uid, assessment.data
        assert data is not None
        try:
            encoded = self.profile.encode(data, len(read.memory))
        except EncodeError as exc:
            self._refuse(uid, "cannot-encode", _("{item} cannot be written on this tag: {reason}",
                                                item=data.primary_item_identifier, reason=str(exc)),
                         started, assessment.found_format)
            return
        plan = build_plan(read, encoded, self.profile, rewrite=assessment.verdict is not Verdict.CONFORMS,
                          eas_armed=eas_armed)
        self.last_plan = plan  # for instrumentation (the benchmark's air-time floor)
        if plan.conflicts:
            blocks = ", ".join(str(n) for n in plan.conflicts)
            self._refuse(uid, "locked", _(
                "Block(s) {blocks} of this tag are locked with other data: it cannot be encoded. Replace the "
                "tag.", blocks=blocks), started, assessment.found_format)
            return
        outcome = self._outcome(assessment, plan.empty)
        if not plan.empty:
            if self.job is not None:
                self._set(job=self.job.touched(uid))
            try:
                execute(self.reader, plan)
            except EncodingFailed as exc:
                self._handled[uid] = "failed"
                self._fail_result(uid, exc.kind, exc.message, self.clock() - started, data,
                                  assessment.found_format)
                return
        self._succeeded(uid, data, outcome, assessment, self.clock() - started)

    @staticmethod
    def _outcome(assessment: Assessment, nothing_to_do: bool) -> str:
        if nothing_to_do:
            return "already_done"
        if assessment.code.startswith("migrate:"):
            return "migrated"
        return OK_OUTCOMES.get(assessment.code, "encoded")

    # -- outcomes ---------------------------------------------------------------------------------

    def _succeeded(self, uid: bytes, data: Any, outcome: str, assessment: Assessment, seconds: float) -> None:
        self._handled[uid] = "done"
        item, part, parts = data.primary_item_identifier, data.part_number, data.parts_in_item
        if outcome != "already_done":
            self._journal(item, uid, seconds, "ok", _journal_reason(assessment.code))
        message = _success_message(outcome, item, part, parts, seconds, assessment.found_format)
        result = EncodingResult(outcome, assessment.code, message, item_id=item, uid=uid, part=part,
                                parts=parts, seconds=seconds, format_before=assessment.found_format,
                                at=datetime.now(UTC))
        job = self.job
        if job is not None and job.item_id == item:
            job = job.with_part(part, uid)
            self._set(job=job)
        self._report(result)
        if job is not None and not job.complete and job.source != "tag":
            self._set(phase=Phase.PLACE)
        elif self.mode is Mode.BATCH:
            self._next_batch_entry()
            return
        else:
            self._set(phase=Phase.PLACE if self.mode is Mode.MIGRATE else Phase.DONE)
        self._guide()

    def _refuse(self, uid: bytes, code: str, message: Message, started: float, fmt: str | None) -> None:
        self._handled[uid] = "refused"
        item = self.job.item_id if self.job else None
        seconds = self.clock() - started
        if item is not None:
            self._journal(item, uid, seconds, "failed", f"refused:{code}")
        self._report(EncodingResult("refused", code, message, item_id=item, uid=uid, seconds=seconds,
                                    format_before=fmt, at=datetime.now(UTC)))
        self._set(phase=Phase.FAILED)
        self._guide()

    def _fail_result(self, uid: bytes, kind: str, message: Message, seconds: float, data: Any,
                     fmt: str | None = None) -> None:
        item = data.primary_item_identifier if data is not None else (self.job.item_id if self.job else None)
        if item is not None:
            self._journal(item, uid, seconds, "failed", kind)
        part, parts = (data.part_number, data.parts_in_item) if data is not None else (1, 1)
        self._report(EncodingResult("failed", kind, message, item_id=item, uid=uid, part=part, parts=parts,
                                    seconds=seconds, format_before=fmt, at=datetime.now(UTC)))
        self._set(phase=Phase.FAILED)
        self._guide()

    def _report(self, result: EncodingResult, *, count: bool = True) -> None:
        if count:
            self.session.record(result.outcome, result.code, result.seconds)
        signal = {"question": Signal.QUESTION}.get(result.outcome,
                                                   Signal.SUCCESS if result.ok else Signal.FAILURE)
        self._set(last_result=result, message=result.message, signal=signal,
                  history=(result, *self.history)[:HISTORY], stats=self.session.snapshot())
        self.events.feedback.emit(result)

    def _journal(self, item: str, uid: bytes, seconds: float, outcome: str, reason: str | None) -> None:
        if self.journal is None:
            return
        try:
            self.journal.record_encoding(item_id=item, uid=uid, duration_ms=seconds * 1000.0,
                                         operator=self.operator, outcome=outcome, reason=reason,
                                         format=self.profile.format)
        except Exception:  # the tag is what matters: a journal problem is logged, never blocks the desk
            log.exception("journaling the encoding of %s failed", item)

    # -- jobs -------------------------------------------------------------------------------------

    def _start_job(self, item_id: str, parts: int, *, source: str, title: str = "") -> bool:
        """Look the item up and wait for its tag; False (reported) when it cannot be encoded now."""
        details = self.lookup.lookup(item_id) if self.lookup.enabled else ItemDetails(item_id)
        refusal = None
        if details.known is False and self.settings.unknown_items == "refuse":
            refusal = EncodingResult("refused", "unknown-item", _(
                "{item} is unknown to the library system: check the barcode.", item=item_id), item_id=item_id)
        elif self.profile.shelf_source != "none" and details.known is None and self.lookup.enabled:
            refusal = EncodingResult("refused", "sigb-unavailable", _(
                "The shelf location comes from the library system, which does not answer: try again "
                "later."), item_id=item_id)
        if refusal is not None:
            self._set(job=None, phase=Phase.SCAN)
            self._report(refusal)
            self._guide()
            return False
        job = Job(item_id, parts, title=details.title or title, media=details.media_label,
                  known=details.known, shelf=details.shelf(self.profile.shelf_source), source=source)
        doubtful = details.on_loan or (details.known is not True and self.lookup.enabled)
        self._set(job=job, phase=Phase.PLACE, confirmation=None, message=self._job_message(details),
                  signal=Signal.WARNING if doubtful else Signal.NONE)
        self._note_on_loan(details)
        self._guide()
        return True

    def _note_on_loan(self, details: ItemDetails) -> None:
        """The SIGB says on loan, the item is at the desk: it gets secured; journal the mismatch for staff."""
        if details.on_loan and self.journal is not None:
            try:
                self.journal.record_event("encoding-item-on-loan", {"station": self.config.station.id})
            except Exception:
                log.exception("journaling an on-loan item failed")

    def _job_message(self, details: ItemDetails) -> Message:
        if details.on_loan:
            return _("The library system says {item} is on loan: it is encoded secured; check it in.",
                     item=details.item_id)
        if details.known is False:
            return _("{item} is unknown to the library system: check the barcode.", item=details.item_id)
        if details.known is None and self.lookup.enabled:
            return _("The library system does not answer: {item} is encoded without its title.",
                     item=details.item_id)
        return _("{item}: {title}", item=details.item_id, title=details.title or "…")

    def _start_batch_entry(self) -> None:
        """Start the current list entry; entries that cannot be encoded (reported) are passed over."""
        while self._batch_index < len(self._batch):
            entry = self._batch[self._batch_index]
            self._set(batch_position=(self._batch_index + 1, len(self._batch)))
            if self._start_job(entry.item_id, entry.parts, source="batch", title=entry.title):
                return
            self._batch_index += 1
        stats = self.session.snapshot()
        self._set(phase=Phase.FINISHED, job=None, batch_position=(len(self._batch), len(self._batch)),
                  guidance=_("Batch finished: {done} tag(s) done, {failed} failure(s).", done=stats.total,
                             failed=stats.failed + stats.refused))

    def _next_batch_entry(self) -> None:
        self._batch_index += 1
        self._start_batch_entry()

    def _drop_pending(self) -> None:
        self._pending = None
        if self.confirmation is not None:
            self._set(confirmation=None)

    # -- guidance ---------------------------------------------------------------------------------

    def _guide(self, previous_on_pad: bool = False) -> None:
        self._set(guidance=self._guidance(previous_on_pad))

    def _guidance(self, previous_on_pad: bool) -> Message:
        job, phase = self.job, self.phase
        if phase is Phase.CONFIRM:
            return _("Overwrite this tag? Confirm or cancel.")
        if phase is Phase.FAILED:
            return _("Put the tag back on the pad to try again, place another tag, or cancel.")
        if phase is Phase.FINISHED:
            return self.guidance
        if phase is Phase.DONE:
            return _("Done. Remove the item and scan the next barcode.")
        if phase is Phase.SCAN:
            return _("Scan the barcode of the next item.")
        if self.mode is Mode.MIGRATE and (job is None or job.source == "tag" or job.complete):
            if previous_on_pad:
                return _("Take the item away and place the next legacy tag.")
            return _("Place a legacy tag on the pad, or scan a barcode to encode a new one.")
        if previous_on_pad and job is not None and not job.done:
            return _("Remove the previous item from the pad, then place the tag of {item}.", item=job.item_id)
        if job is None:
            return _("Scan the barcode of the next item.")
        if job.parts == 1:
            return _("Place the tag of {item} on the pad, alone.", item=job.item_id)
        return _("Place part {part} of {parts} of {item} on the pad.", part=job.next_part, parts=job.parts,
                 item=job.item_id)


def _journal_reason(code: str) -> str | None:
    if code == "blank":
        return None
    if code.startswith("migrate:"):
        return f"migrated-from:{code.split(':', 1)[1]}"
    return code


def _success_message(outcome: str, item: str, part: int, parts: int, seconds: float,
                     fmt: str | None) -> Message:
    where = _(" (part {part} of {parts})", part=part, parts=parts) if parts > 1 else ""
    if outcome == "already_done":
        return _("{item}{where} is already encoded: nothing to do.", item=item, where=where)
    if outcome == "migrated":
        return _("{item}{where} converted from {format} in {seconds} s.", item=item, where=where,
                 format=fmt or "?", seconds=f"{seconds:.2f}")
    if outcome == "updated":
        return _("{item}{where} brought up to the network profile in {seconds} s.", item=item, where=where,
                 seconds=f"{seconds:.2f}")
    return _("{item}{where} encoded and verified in {seconds} s.", item=item, where=where,
             seconds=f"{seconds:.2f}")
