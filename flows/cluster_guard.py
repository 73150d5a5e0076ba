"""Preloaded into the scheduler and the worker nannies of a run's own Dask cluster (see
`workers.local_cluster`): each closes itself once the flow process that started it is gone.

The run closes its cluster when it ends, also on an error; this covers a flow process killed
outright, whose children would otherwise keep running, parented to init.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

CHECK_SECONDS = 1.0
_watches: set[asyncio.Task[None]] = set()  # the running loop keeps only weak references


def dask_setup(server: Any) -> None:
    """Start watching this process's parent; Dask calls this when it loads the preload."""
    task = asyncio.get_running_loop().create_task(_close_when_orphaned(server, os.getppid()))
    _watches.add(task)
    task.add_done_callback(_watches.discard)


async def _close_when_orphaned(server: Any, parent: int) -> None:
    while os.getppid() == parent:
        await asyncio.sleep(CHECK_SECONDS)
    await server.close()
