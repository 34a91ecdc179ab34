"""Which reader commands turn the tag as read into the tag as wanted, and how to check the result (pure).

The wanted memory is the encoded image followed by 0x00 up to the tag's size:
clearing what follows removes a legacy tag's leftovers (a title in an ISO
28560-3 extension block, for instance) and guarantees a terminator after the
ISO 28560-2 elements. Only blocks that differ are written, in contiguous runs,
which keeps a re-encoding of a nearly right tag to a few milliseconds of air.

A locked block inside the image that must change makes the tag unusable
(``conflicts``); a locked block after the image that is not zero is left as it
is (it cannot be cleared, and decoders stop at the terminator before it).
DSFID and AFI are written only when they differ; EAS is armed when the network
uses it and the tag is not known to be armed. Locks come last, once the
read-back has shown the right content: a wrong image must never be locked.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.base import TagRead
from iso28560 import DecodedTag, EncodedTag

from .profile import TagProfile


@dataclass(frozen=True, slots=True)
class WritePlan:
    """Commands for one tag, and what its read-back must show."""

    uid: bytes
    block_size: int
    writes: tuple[tuple[int, bytes], ...]  # (first block, data) runs
    dsfid: int | None
    afi: int | None
    eas: bool
    locks: tuple[tuple[int, int], ...]  # (first block, count) runs
    verify_blocks: int  # blocks 0..n-1 to read back (0: no block was written)
    expected_memory: bytes  # what those blocks must hold
    expected: DecodedTag  # how they must decode
    wanted_dsfid: int  # the DSFID of the data model written (decoding hint for the read-back)
    conflicts: tuple[int, ...] = ()  # locked blocks that would have to change

    @property
    def blocks_written(self) -> int:
        return sum(len(data) // self.block_size for _, data in self.writes)

    @property
    def blocks_locked(self) -> int:
        return sum(count for _, count in self.locks)

    @property
    def empty(self) -> bool:
        """Nothing to do: the tag is already exactly right."""
        return not (self.writes or self.dsfid is not None or self.afi is not None or self.eas or self.locks)


def build_plan(read: TagRead, encoded: EncodedTag, profile: TagProfile, *, rewrite: bool = True,
               eas_armed: bool | None = None) -> WritePlan:
    """The plan for ``read`` to hold ``encoded``; ``rewrite=False`` keeps equivalent data as it is."""
    size = read.system.block_size or encoded.block_size
    memory = read.memory
    image = encoded.memory
    wanted = image + bytes(max(0, len(memory) - len(image)))
    locked = read.locked
    if profile.lock and memory[:len(image)] != image:
        rewrite = True  # locks protect our layout's blocks: the layout must be ours
    image_blocks = len(image) // size
    differing = [n for n in range(len(memory) // size) if rewrite and _block(memory, n, size) != _block(
        wanted, n, size)]
    conflicts = tuple(n for n in differing if n < image_blocks and _locked(locked, n))
    writable = [n for n in differing if not _locked(locked, n)]
    verify_blocks = max(image_blocks, writable[-1] + 1) if writable else 0
    expected_memory = b"".join(_block(wanted if not _locked(locked, n) else memory, n, size)
                               for n in range(verify_blocks))
    lock_blocks = [n for n in encoded.lock_blocks if not _locked(locked, n)]
    return WritePlan(
        uid=read.uid,
        block_size=size,
        writes=tuple((first, b"".join(_block(wanted, n, size) for n in run))
                     for first, run in _runs(writable)),
        dsfid=encoded.dsfid if read.system.dsfid != encoded.dsfid else None,
        afi=profile.afi if read.system.afi != profile.afi else None,
        eas=profile.eas and eas_armed is not True,
        locks=tuple((first, len(run)) for first, run in _runs(lock_blocks)),
        verify_blocks=verify_blocks,
        expected_memory=expected_memory,
        expected=profile.expected(encoded),
        wanted_dsfid=encoded.dsfid,
        conflicts=conflicts,
    )


def _block(memory: bytes, number: int, size: int) -> bytes:
    return memory[number * size:(number + 1) * size]


def _locked(locked: tuple[bool, ...], number: int) -> bool:
    return number < len(locked) and locked[number]


def _runs(numbers: list[int]) -> list[tuple[int, list[int]]]:
    """Contiguous runs of block numbers: [1, 2, 3, 7] → [(1, [1, 2, 3]), (7, [7])]."""
    runs: list[tuple[int, list[int]]] = []
    for n in numbers:
        if runs and runs[-1][1][-1] == n - 1:
            runs[-1][1].append(n)
        else:
            runs.append((n, [n]))
    return runs
