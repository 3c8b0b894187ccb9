"""The one id source: Close's visible id format, time-ordered inside it."""

from __future__ import annotations

import random
import secrets
import threading
from collections.abc import Callable

from closecalls.domain.clock import Clock

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# Microseconds since the epoch fit in 9 base62 digits until the year 2398.
TIME_DIGITS = 9


def encode_base62(number: int, width: int) -> str:
    """Fixed-width base62, so that string order is numeric order."""
    digits = []
    for _ in range(width):
        number, remainder = divmod(number, 62)
        digits.append(BASE62[remainder])
    return "".join(reversed(digits))


class IdSource:
    """Makes ids like `acti_` + 43 base62 characters whose leading digits are the time.

    Time-ordered ids land at the right-hand end of the primary-key index, which keeps
    inserts cheap; the random tail keeps them unguessable.
    """

    def __init__(self, clock: Clock, seed: int | None = None) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._choice: Callable[[str], str]
        if seed is None:
            self._choice = secrets.choice
        else:
            self._choice = random.Random(seed).choice

    def new(self, prefix: str, length: int = 43) -> str:
        micros = int(self._clock.now().timestamp() * 1_000_000)
        head = encode_base62(micros, TIME_DIGITS)
        with self._lock:
            tail = "".join(self._choice(BASE62) for _ in range(length - TIME_DIGITS))
        return f"{prefix}_{head}{tail}"
