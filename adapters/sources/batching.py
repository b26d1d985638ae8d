"""Persisting imports in batches: whole records per transaction, progress reported as it goes."""
from __future__ import annotations

from typing import Callable, Iterable

Progress = Callable[[int, int], None]


def ticker(progress: Progress | None, total: int) -> Callable[[int], None]:
    """tick(n): n more records done; reports (done, total) when someone listens."""
    done = 0

    def tick(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, total)
    return tick


def batches(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
