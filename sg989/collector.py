"""Python's garbage collector, set for a process that serves cases for months.

The worker and the API allocate many short-lived objects per Update (protobufs, payloads,
pydantic models, SQL rows) and keep many long-lived ones (the loaded modules, every cached
case's sandbox). With Python's defaults a young collection runs every 700 net allocations, and
now and then a full one walks the whole heap: at concurrency 20 about 0.6 ms of CPU per Update
went to collecting, and one full collection paused the process for 170 ms
(`python -m benchmarks.bench_writes` prints the CPU per Update). Once the process has started,
``settle`` collects once and freezes what exists (modules, settings, the app: never garbage, so
never walked again), then lets the young generation grow to ``young`` objects before a
collection. Full collections keep Python's cadence (about one per 85,000 allocations): an
evicted case's sandbox is old, cyclic garbage that only a full collection frees, and collecting
it less often held 230 MB more at 3,000 open cases in a first try with Python's multipliers.
"""

from __future__ import annotations

import gc

FULL_EVERY = 700 * 11 * 11  # Python's defaults (700, 10, 10)


def settle(young: int) -> None:
    """After start-up: collect, freeze what survived, collect the young every ``young``
    allocations. ``young`` 0 leaves Python's defaults."""
    if young <= 0:
        return
    gc.collect()
    gc.freeze()
    gc.set_threshold(young, *_older(young))


def _older(young: int) -> tuple[int, int]:
    """Thresholds of the middle and old generations: every other young collection is a middle
    one, and a full one comes about every ``FULL_EVERY`` allocations. (A generation is collected
    once its count exceeds its threshold: with (y, m, o), a full collection every
    y * (m + 1) * (o + 1) allocations.)"""
    return 1, max(0, FULL_EVERY // (young * 2) - 1)
