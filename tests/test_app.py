"""Request ids the access log makes when the caller sends none; the collector's threshold."""

from __future__ import annotations

import gc
import os
import re
from pathlib import Path

from closecalls import app
from closecalls.app import YOUNG_COLLECTION_THRESHOLD, _new_request_id, build_app
from closecalls.domain.ids import POOL_BYTES
from closecalls.settings import Settings


def test_request_ids_are_16_hex_digits_and_distinct_across_refills() -> None:
    made = [_new_request_id() for _ in range(3 * POOL_BYTES // 8 + 5)]
    assert all(re.fullmatch(r"[0-9a-f]{16}", made_id) for made_id in made)
    assert len(set(made)) == len(made)


def test_a_forked_worker_does_not_repeat_its_parent_s_ids() -> None:
    app._new_request_id()  # the pool is filled before the fork
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        os.write(write, app._new_request_id().encode())
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    assert os.read(read, 64).decode() != app._new_request_id()


def test_the_app_collects_young_objects_a_thousand_creates_apart(tmp_path: Path) -> None:
    before = gc.get_threshold()
    gc.set_threshold(700, *before[1:])
    try:
        build_app(Settings.load({"database": str(tmp_path / "gc.db")}, environ={}))
        assert gc.get_threshold() == (YOUNG_COLLECTION_THRESHOLD, *before[1:])
    finally:
        gc.set_threshold(*before)
