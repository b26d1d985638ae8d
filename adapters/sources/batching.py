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


def store_in_batches(progress: Progress | None, documents: list, claims: list, already: int,
                     store_documents: Callable[[list], None], document_batch: int,
                     store_claims: Callable[[list], None], claim_batch: int) -> None:
    """Documents first, then the claims that refer to them, each batch one transaction."""
    tick = ticker(progress, already + len(documents) + len(claims))
    tick(already)
    for batch in batches(documents, document_batch):
        store_documents(batch)
        tick(len(batch))
    for batch in batches(claims, claim_batch):
        store_claims(batch)
        tick(len(batch))
