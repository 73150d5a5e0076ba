"""Preloaded into the scheduler of a run's own Dask cluster (see `workers.local_cluster`): it
closes the scheduler, and so its workers, once the flow process that started it is gone, and
keeps its log to errors.

The run closes its cluster when it ends, also on an error; this covers a flow process killed
outright, whose children would otherwise keep running, parented to init. The scheduler's
stderr is a pipe nobody reads once it has started, so a long run's warnings could fill it and
block the scheduler.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

CHECK_SECONDS = 1.0
_watches: set[asyncio.Task[None]] = set()  # the running loop keeps only weak references


def dask_setup(server: Any) -> None:
    """Start watching this process's parent; Dask calls this when it loads the preload."""
    logging.getLogger("distributed").setLevel(logging.ERROR)
    task = asyncio.get_running_loop().create_task(_close_when_orphaned(server, os.getppid()))
    _watches.add(task)
    task.add_done_callback(_watches.discard)


async def _close_when_orphaned(server: Any, parent: int) -> None:
    while os.getppid() == parent:
        await asyncio.sleep(CHECK_SECONDS)
    await server.close()
