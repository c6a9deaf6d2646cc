"""The garbage collector once a worker or API process has started: fewer, cheaper collections."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from sg989 import collector
from sg989.settings import Settings


@pytest.fixture
def restored() -> Iterator[None]:
    saved = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*saved)


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_settling_freezes_what_exists_and_collects_the_young_less_often(restored: None) -> None:
    collector.settle(10_000)
    young, middle, old = gc.get_threshold()
    assert young == 10_000
    assert gc.get_freeze_count() > 0  # modules and the like: never walked again
    # Old garbage (an evicted case's sandbox) is freed as often as with Python's defaults.
    full_every = young * (middle + 1) * (old + 1)
    assert 0.9 * collector.FULL_EVERY <= full_every <= 1.1 * collector.FULL_EVERY


def test_cycles_created_after_settling_are_still_collected(restored: None) -> None:
    collector.settle(1_000)
    first, second = Node(), Node()
    first.other, second.other = second, first
    gone = weakref.ref(first)
    del first, second
    for _ in range(3):  # young, then older generations, as allocation goes on
        [Node() for _ in range(5_000)]
    assert gone() is None


def test_zero_keeps_pythons_defaults(restored: None) -> None:
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    collector.settle(0)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen


def test_the_threshold_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().gc_young_threshold == 10_000
    monkeypatch.setenv("SG989_GC_YOUNG_THRESHOLD", "0")
    assert Settings().gc_young_threshold == 0
