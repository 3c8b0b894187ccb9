"""The one id source: Close's visible id format, time-ordered inside it."""

from __future__ import annotations

import os
import random
import secrets
import threading
import weakref
from collections.abc import Callable

from closecalls.domain.clock import Clock

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# Random bytes below 248 (= 4 * 62) map uniformly onto base62; the top 8 values are dropped.
_USABLE = 248
_TO_BASE62 = bytes(ord(BASE62[value % 62]) for value in range(_USABLE)) + bytes(256 - _USABLE)
_UNUSABLE = bytes(range(_USABLE, 256))
POOL_BYTES = 8192

# Microseconds since the epoch fit in 9 base62 digits until the year 2398.
TIME_DIGITS = 9


# Two digits a step: an id's time digits are the hot part of making one.
_PAIRS = [high + low for high in BASE62 for low in BASE62]


def encode_base62(number: int, width: int) -> str:
    """Fixed-width base62, so that string order is numeric order."""
    digits = []
    if width % 2:
        number, remainder = divmod(number, 62)
        digits.append(BASE62[remainder])
    for _ in range(width // 2):
        number, remainder = divmod(number, 3844)
        digits.append(_PAIRS[remainder])
    return "".join(reversed(digits))


class RandomBlocks:
    """Random bytes drawn a block at a time (each block `shape`d once) and taken in slices.

    One getrandom() call per id would cost a system call and, on a busy server, a wait to
    take the GIL back afterwards. A forked child draws blocks of its own, never its parent's.
    """

    def __init__(
        self,
        draw: Callable[[int], bytes] = secrets.token_bytes,
        shape: Callable[[bytes], bytes] = bytes,
    ) -> None:
        self._draw = draw
        self._shape = shape
        self._lock = threading.Lock()
        self.drop()
        _BLOCKS.add(self)

    def drop(self) -> None:
        self._pool, self._taken = b"", 0

    def take(self, count: int) -> bytes:
        with self._lock:
            if len(self._pool) - self._taken < count:
                self._pool, self._taken = self._shape(self._draw(POOL_BYTES)), 0
            start = self._taken
            self._taken += count
            return self._pool[start : self._taken]


_BLOCKS: weakref.WeakSet[RandomBlocks] = weakref.WeakSet()


def _drop_every_block() -> None:
    for blocks in _BLOCKS:
        blocks.drop()


os.register_at_fork(after_in_child=_drop_every_block)


def _base62(block: bytes) -> bytes:
    return block.translate(_TO_BASE62, _UNUSABLE)


class IdSource:
    """Makes ids like `acti_` + 43 base62 characters whose leading digits are the time.

    Time-ordered ids land at the right-hand end of the primary-key index, which keeps
    inserts cheap; the random tail keeps them unguessable.
    """

    def __init__(self, clock: Clock, seed: int | None = None) -> None:
        self._clock = clock
        draw = secrets.token_bytes if seed is None else random.Random(seed).randbytes
        self._digits = RandomBlocks(draw, _base62)

    def new(self, prefix: str, length: int = 43) -> str:
        micros = int(self._clock.now().timestamp() * 1_000_000)
        tail = self._digits.take(length - TIME_DIGITS).decode("ascii")
        return f"{prefix}_{encode_base62(micros, TIME_DIGITS)}{tail}"
