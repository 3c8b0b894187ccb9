"""`closecalls worker`: a process that only delivers webhooks, until it is told to stop."""

from __future__ import annotations

import asyncio
import signal

from closecalls.domain.clock import SystemClock
from closecalls.domain.ids import IdSource
from closecalls.services import Services
from closecalls.settings import Settings
from closecalls.store import create_store
from closecalls.webhooks.deliverer import Deliverer


async def run_worker(settings: Settings) -> None:
    """Deliver webhooks for every organization of the database until SIGINT or SIGTERM."""
    clock = SystemClock()
    store = create_store(settings)
    await store.open()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        services = Services(settings=settings, store=store, clock=clock, ids=IdSource(clock))
        await Deliverer(services).run(stop)
    finally:
        await store.close()
