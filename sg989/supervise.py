"""Child processes kept running by `sg989 up`: restarted when they exit, and said so.

A child that keeps exiting (MAX_RESTARTS within WINDOW seconds) is given up on, and the stack
stops with the reason instead of restarting it forever or answering 503 forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
from collections.abc import Callable, Sequence

import structlog

log = structlog.get_logger("sg989.supervise")
MAX_RESTARTS = 5
WINDOW = 60.0


class GaveUp(Exception):
    """A child exited too often; the message says which and where to look."""


class Supervised:
    def __init__(self, name: str, start: Callable[[], subprocess.Popen[bytes]], hint: str = ""):
        self.name = name
        self.start = start
        self.hint = hint
        self.process = start()
        self.restarts: list[float] = []

    def ensure_running(self) -> bool:
        """Restart the child if it exited; True when it was restarted."""
        code = self.process.poll()
        if code is None:
            return False
        now = time.monotonic()
        self.restarts = [moment for moment in self.restarts if now - moment < WINDOW]
        if len(self.restarts) >= MAX_RESTARTS:
            raise GaveUp(
                f"{self.name} exited {len(self.restarts) + 1} times within {WINDOW:.0f} s "
                f"(last exit code {code}); giving up{self.hint}"
            )
        self.restarts.append(now)
        log.warning(
            f"{self.name} exited with code {code}; restarting it",
            process=self.name,
            exit_code=code,
            pid=self.process.pid,
        )
        self.process = self.start()
        log.info(f"{self.name} restarted", process=self.name, pid=self.process.pid)
        return True

    def stop(self, timeout: float = 15) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.process.wait(timeout=5)


async def supervise(
    children: Sequence[Supervised], stop: asyncio.Event, interval: float = 1.0
) -> None:
    """Until `stop` is set: restart whichever child exited. GaveUp sets `stop` and propagates."""
    while not stop.is_set():
        try:
            for child in children:
                child.ensure_running()
        except GaveUp:
            stop.set()
            raise
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
