import random
import re
from datetime import timedelta

from closecalls.domain.clock import ManualClock
from closecalls.domain.ids import BASE62, IdSource, encode_base62
from tests.conftest import START


def test_call_ids_have_closes_format() -> None:
    ids = IdSource(ManualClock(START))
    assert re.fullmatch(r"acti_[0-9A-Za-z]{43}", ids.new("acti"))
    assert re.fullmatch(r"ev_[0-9A-Za-z]{22}", ids.new("ev", 22))


def test_ids_sort_in_time_order() -> None:
    clock = ManualClock(START)
    ids = IdSource(clock)
    made = []
    for _ in range(50):
        made.append(ids.new("acti"))
        clock.advance(timedelta(microseconds=1))
    assert made == sorted(made)


def test_seeded_ids_are_deterministic_and_unique() -> None:
    first = [IdSource(ManualClock(START), seed=3).new("acti") for _ in range(2)]
    assert first[0] == first[1]
    same_instant = IdSource(ManualClock(START), seed=3)
    assert len({same_instant.new("acti") for _ in range(1000)}) == 1000


def test_base62_is_fixed_width_and_ordered() -> None:
    assert encode_base62(0, 3) == "000"
    assert encode_base62(61, 2) == "0z"
    assert "".join(sorted(BASE62)) == BASE62


def test_base62_round_trips_every_width() -> None:
    chance = random.Random(62)
    for number in [
        0,
        61,
        62,
        3843,
        3844,
        62**9 - 1,
        *(chance.randrange(62**12) for _ in range(500)),
    ]:
        for width in range(1, 12):
            text = encode_base62(number, width)
            assert len(text) == width
            assert (
                sum(BASE62.index(digit) * 62**place for place, digit in enumerate(reversed(text)))
                == number % 62**width
            )
