"""Request ids the access log makes when the caller sends none."""

from __future__ import annotations

import os
import re

from closecalls import app
from closecalls.app import _RequestIds


def test_request_ids_are_16_hex_digits_and_distinct_across_refills() -> None:
    ids = _RequestIds()
    made = [ids.new() for _ in range(3 * _RequestIds.BLOCK // 8 + 5)]
    assert all(re.fullmatch(r"[0-9a-f]{16}", made_id) for made_id in made)
    assert len(set(made)) == len(made)


def test_a_forked_worker_does_not_repeat_its_parent_s_ids() -> None:
    app._request_ids.new()  # the pool is filled before the fork
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        os.write(write, app._request_ids.new().encode())
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    assert os.read(read, 64).decode() != app._request_ids.new()
