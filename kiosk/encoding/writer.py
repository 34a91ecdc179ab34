"""Carrying out a :class:`~kiosk.encoding.plan.WritePlan` on a reader, then proving it took.

Order on the air: DSFID, AFI (secured first, so a tag lifted half-way is never
left unsecured), EAS, the data blocks, then one read-back of everything written
(Get System Information for DSFID/AFI, the written blocks, the EAS bit), and
only then the lock commands. The driver's own per-command read-backs are turned
off where the driver allows it: the single read-back at the end checks every
write at once, which is what keeps a verified encoding close to the air-time
floor.

A write that fails ambiguously (no answer: the tag may have left the field in
the middle of programming) is settled by the same read-back: a tag that still
answers shows what it holds, a tag that is gone is reported as removed. Every
failure is an :class:`EncodingFailed` with a short ``kind`` for statistics and
the journal, and a message telling the staff what to do.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from drivers.base import ItemReader
from drivers.errors import BlockLocked, NoTag, ReaderError, WriteFailed
from iso28560 import decode
from kiosk.i18n import Message, _

from .plan import WritePlan

log = logging.getLogger(__name__)


class EncodingFailed(Exception):
    """The tag is not (verifiably) encoded. ``kind``: tag-removed, write-failed, locked, reader-error."""

    def __init__(self, kind: str, message: Message, detail: str = "") -> None:
        self.kind = kind
        self.message = message
        self.detail = detail
        super().__init__(f"{kind}: {detail}" if detail else kind)


@dataclass(frozen=True, slots=True)
class WriteReport:
    """What the read-back showed after a successful plan."""

    memory: bytes
    afi: int | None
    dsfid: int | None
    commands: int


def execute(reader: ItemReader, plan: WritePlan) -> WriteReport:
    """Run ``plan`` and verify it; raise :class:`EncodingFailed` when the tag does not hold it."""
    uid = plan.uid
    commands = 0
    interrupted: ReaderError | None = None
    try:
        for step in _steps(reader, plan):
            commands += 1
            step()
    except BlockLocked as exc:
        raise EncodingFailed("locked", _(
            "The tag refused the write: part of it is locked ({detail}). This tag cannot be re-encoded: "
            "replace it.", detail=str(exc)), str(exc)) from exc
    except (NoTag, WriteFailed) as exc:
        interrupted = exc  # ambiguous: the read-back decides
    except ReaderError as exc:
        raise _reader_error(exc) from exc
    report = _verify(reader, plan, interrupted)
    for first, count in plan.locks:
        try:
            reader.lock_blocks(uid, first, count)
        except ReaderError as exc:
            raise EncodingFailed("lock-failed", _(
                "The data is written and verified, but locking it failed ({detail}). Leave the tag on the "
                "pad and try again.", detail=str(exc)), str(exc)) from exc
    return WriteReport(report.memory, report.afi, report.dsfid, commands + report.commands + len(plan.locks))


def _steps(reader: ItemReader, plan: WritePlan) -> list[Callable[[], Any]]:
    uid = plan.uid
    steps: list[Callable[[], Any]] = []
    if plan.dsfid is not None:
        steps.append(lambda: _unverified(reader.write_dsfid, uid, plan.dsfid))
    if plan.afi is not None:
        steps.append(lambda: _unverified(reader.write_afi, uid, plan.afi))
    if plan.eas:
        steps.append(lambda: _unverified(reader.eas_set, uid))
    for first, data in plan.writes:
        steps.append(lambda first=first, data=data: _unverified(reader.write_blocks, uid, first, data))
    return steps


def _verify(reader: ItemReader, plan: WritePlan, interrupted: ReaderError | None) -> WriteReport:
    uid, commands = plan.uid, 0
    afi = dsfid = None
    memory = b""
    try:
        if plan.dsfid is not None or plan.afi is not None:
            info = reader.system_info(uid)
            afi, dsfid, commands = info.afi, info.dsfid, commands + 1
        if plan.verify_blocks:
            memory = reader.read_blocks(uid, 0, plan.verify_blocks).data
            commands += 1
        armed = reader.eas_alarm(uid) if plan.eas else True
        commands += int(plan.eas)
    except NoTag as exc:
        raise EncodingFailed("tag-removed", _(
            "The tag left the pad during the write: it is not encoded. Put it back on the pad to write it "
            "again."), str(interrupted or exc)) from exc
    except ReaderError as exc:
        raise _reader_error(exc) from exc
    problems = _differences(plan, memory, afi, dsfid, armed)
    if problems:
        kind = "tag-removed" if isinstance(interrupted, NoTag) else "write-failed"
        detail = "; ".join(problems) + (f" ({interrupted})" if interrupted else "")
        log.info("tag %s not verified: %s", uid.hex().upper(), detail)
        if kind == "tag-removed":
            message = _("The tag left the field during the write ({problems}): it is not encoded. Put it "
                        "back on the pad to write it again.", problems="; ".join(problems))
        else:
            message = _("The tag did not keep what was written ({problems}). Try again; if it fails again, "
                        "replace the tag.", problems="; ".join(problems))
        raise EncodingFailed(kind, message, detail)
    if interrupted is not None:
        log.warning("write to %s reported %s, but the read-back shows everything in place",
                    uid.hex().upper(), interrupted)
    return WriteReport(memory, afi, dsfid, commands)


def _differences(plan: WritePlan, memory: bytes, afi: int | None, dsfid: int | None,
                 armed: bool) -> list[str]:
    problems = []
    if plan.dsfid is not None and dsfid != plan.dsfid:
        problems.append(f"DSFID {_hex(dsfid)} instead of 0x{plan.dsfid:02X}")
    if plan.afi is not None and afi != plan.afi:
        problems.append(f"AFI {_hex(afi)} instead of 0x{plan.afi:02X}")
    if not armed:
        problems.append("EAS not armed")
    if plan.verify_blocks:
        size = plan.block_size
        bad = [n for n in range(plan.verify_blocks)
               if memory[n * size:(n + 1) * size] != plan.expected_memory[n * size:(n + 1) * size]]
        if bad:
            problems.append(f"block(s) {_ranges(bad)} differ")
        else:
            decoded = decode(memory, plan.wanted_dsfid)
            if decoded.format != plan.expected.format or decoded.data != plan.expected.data:
                problems.append(f"the tag decodes as {decoded.format}, not as the intended content")
    return problems


def _reader_error(exc: ReaderError) -> EncodingFailed:
    return EncodingFailed("reader-error", _(
        "The reader failed ({detail}). Check its cable, then put the tag back on the pad.", detail=str(exc)),
        str(exc))


@cache
def _accepts_verify(function: Callable[..., Any]) -> bool:
    try:
        return "verify" in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False


def _unverified(method: Callable[..., Any], *args: Any) -> Any:
    """Call a driver write without its own read-back when it allows that (we verify once, at the end)."""
    function = getattr(method, "__func__", method)
    if _accepts_verify(function):
        return method(*args, verify=False)
    return method(*args)


def _hex(value: int | None) -> str:
    return "none" if value is None else f"0x{value:02X}"


def _ranges(numbers: list[int]) -> str:
    parts: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(parts)
