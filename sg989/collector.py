"""Python's garbage collector, set for a process that serves cases for months.

The worker and the API allocate many short-lived objects per Update (protobufs, payloads,
pydantic models, SQL rows) and keep many long-lived ones (the loaded modules, every cached
case's sandbox). With Python's defaults a young collection runs every 700 net allocations, and
now and then a full one walks the whole heap: at concurrency 20 about 0.6 ms of CPU per Update
went to collecting, and one full collection paused the process for 170 ms
(`python -m benchmarks.bench_writes` prints the CPU per Update). Once the process has started,
``settle`` collects once and freezes what exists (modules, settings, the app: never garbage, so
never walked again), then lets the young generation grow to ``young`` objects before a
collection. Garbage is still collected, cycles included; only less often.
"""

from __future__ import annotations

import gc


def settle(young: int) -> None:
    """After start-up: collect, freeze what survived, collect the young every ``young``
    allocations. ``young`` 0 leaves Python's defaults."""
    if young <= 0:
        return
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(young, middle, old)
