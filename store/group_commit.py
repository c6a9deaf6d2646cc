"""Group commit: steps of different cases that arrive while a commit is in progress are written
together, in one transaction with one commit (one fsync), each in its own savepoint.

SQLite has one writer at a time and ``synchronous=FULL`` pays an fsync per commit, so at
concurrency 20 the steps queued on the lock, each polling it with sleeps. Here a thread that
finds no batch being written writes its own step at once (a lone step pays nothing extra); the
steps that arrive meanwhile queue, and the next leader (one of the waiting threads) writes all
of them, up to ``max_batch``, in one transaction.

Each write runs in a SAVEPOINT: one that raises (an integrity error, bad data, a stale step,
anything) is rolled back alone and reported as not written, with its error; the caller then
writes it on its own through its usual single-write path, which decides what the error means.
If the commit itself fails, every write of the batch is reported as not written. Two writes
with the same key (two steps of one case: a zombie worker and its successor) never share a
batch: the later one waits for the next.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from store.db import write_scope

T = TypeVar("T")

MAX_BATCH = 32


@dataclass(eq=False)
class Grouped(Generic[T]):
    """One write handed to the group: written (``value``) or not (``error``, then the caller
    writes it alone)."""

    key: str
    write: Callable[[Session], T]
    done: bool = False
    written: bool = False
    value: T | None = None
    error: BaseException | None = None


class GroupCommit:
    """Leader/follower batching of writes on one engine; thread-safe."""

    def __init__(self, engine: Engine, *, max_batch: int = MAX_BATCH) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self._cond = threading.Condition()
        self._queue: list[Grouped[object]] = []
        self._leading = False

    @property
    def waiting(self) -> int:
        with self._cond:
            return len(self._queue)

    def write(self, key: str, write: Callable[[Session], T]) -> Grouped[T]:
        """Runs ``write`` in a shared transaction; returns once that transaction ended."""
        item: Grouped[T] = Grouped(key, write)
        with self._cond:
            self._queue.append(item)  # type: ignore[arg-type]
            while not item.done and self._leading:
                self._cond.wait()
            if item.done:
                return item
            self._leading = True
        try:
            while not item.done:
                self._write_batch(self._take())
        finally:
            with self._cond:
                self._leading = False
                self._cond.notify_all()
        return item

    def _take(self) -> list[Grouped[object]]:
        """The oldest queued writes, at most one per key, at most ``max_batch``."""
        with self._cond:
            batch: list[Grouped[object]] = []
            keys: set[str] = set()
            for queued in self._queue:
                if len(batch) == self.max_batch:
                    break
                if queued.key not in keys:
                    keys.add(queued.key)
                    batch.append(queued)
            taken = set(map(id, batch))
            self._queue = [q for q in self._queue if id(q) not in taken]
            return batch

    def _write_batch(self, batch: list[Grouped[object]]) -> None:
        committed = False
        try:
            with write_scope(self.engine) as session:
                if len(batch) == 1:  # alone: no savepoint, as a single write
                    batch[0].value = batch[0].write(session)
                    batch[0].written = True
                for item in batch if len(batch) > 1 else ():
                    try:
                        with session.begin_nested():
                            item.value = item.write(session)
                        item.written = True
                    except Exception as exc:  # rolled back alone; the caller retries it alone
                        item.error = exc
            committed = True
        except Exception as exc:  # the write or the commit failed: nothing of it is written
            for item in batch:
                item.error = item.error or exc
        finally:
            with self._cond:
                for item in batch:
                    item.written = item.written and committed
                    item.done = True
                self._cond.notify_all()
