"""Rule evaluation in worker processes, so a crash or hang in durable-rules' C core costs a worker, not the service."""
from __future__ import annotations

import multiprocessing
import pickle
import threading
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import Callable

from ...engine.domain.errors import ClaimflowError, EvaluationFailed
from ...engine.rulebook.facts import FactSet
from ...engine.rulebook.model import Firing, RuleSet

_CACHED_RULESETS = 16

# --- inside a worker process -------------------------------------------------------------------
_worker: dict = {}


def _init_worker(evaluator_name: str, before_evaluate: Callable[[str | None], None] | None) -> None:
    from ..bootstrap import make_evaluator
    _worker["evaluator"] = make_evaluator(evaluator_name)
    _worker["rulesets"] = OrderedDict()
    _worker["hook"] = before_evaluate


def _ruleset(ruleset_hash: str, blob: bytes) -> RuleSet:
    cache: OrderedDict = _worker["rulesets"]
    if ruleset_hash not in cache:
        cache[ruleset_hash] = pickle.loads(blob)
        while len(cache) > _CACHED_RULESETS:
            cache.popitem(last=False)
    cache.move_to_end(ruleset_hash)
    return cache[ruleset_hash]


def _evaluate(ruleset_hash: str, blob: bytes, command: str | None, facts: FactSet):
    """Returns ("ok", firings) or ("error", class, message, code, reasons).

    Claimflow errors travel as fields: pickling an exception keeps only its message, not its code.
    """
    if _worker["hook"] is not None:
        _worker["hook"](command)
    try:
        return "ok", _worker["evaluator"].evaluate(_ruleset(ruleset_hash, blob), command, facts)
    except ClaimflowError as error:
        return "error", type(error), error.message, error.code, error.reasons


# --- in the service process --------------------------------------------------------------------
class ProcessPoolEvaluator:
    """Same interface as DurableEvaluator; each worker process holds one evaluator of its own.

    A worker that dies (e.g. SIGSEGV in the engine) breaks the pool: the request fails with
    EvaluationFailed `engine_crashed` and the pool is replaced, so the next request works. A
    worker that does not answer within `timeout` seconds is killed the same way (`engine_timeout`).
    """

    def __init__(self, workers: int = 2, evaluator: str = "durable", timeout: float = 30.0,
                 before_evaluate: Callable[[str | None], None] | None = None):
        self.workers, self.evaluator_name, self.timeout = workers, evaluator, timeout
        self.name = f"{evaluator} in {workers} worker process(es)"
        self._before_evaluate = before_evaluate
        self._lock = threading.Lock()
        self._pool = self._new_pool()
        self._blobs: OrderedDict[str, bytes] = OrderedDict()
        self.restarts = 0

    def _new_pool(self) -> ProcessPoolExecutor:
        # spawn, not fork: the service process runs threads (uvicorn, the DB pool), and a forked
        # child would inherit their locks in whatever state they were.
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker, initargs=(self.evaluator_name, self._before_evaluate))

    def _blob(self, ruleset: RuleSet) -> bytes:
        with self._lock:
            blob = self._blobs.get(ruleset.hash)
            if blob is None:
                blob = self._blobs[ruleset.hash] = pickle.dumps(ruleset)
                while len(self._blobs) > _CACHED_RULESETS:
                    self._blobs.popitem(last=False)
            return blob

    def evaluate(self, ruleset: RuleSet, command: str | None, facts: FactSet) -> list[Firing]:
        pool = self._pool
        try:
            future = pool.submit(_evaluate, ruleset.hash, self._blob(ruleset), command, facts)
            outcome = future.result(timeout=self.timeout)
        except BrokenProcessPool as exc:
            self._replace(pool)
            raise EvaluationFailed("the rule engine crashed while evaluating; nothing changed, retry",
                                   code="engine_crashed") from exc
        except FutureTimeout as exc:
            self._replace(pool, kill=True)
            raise EvaluationFailed(f"the rule engine did not answer within {self.timeout:g}s; nothing changed",
                                   code="engine_timeout") from exc
        if outcome[0] == "error":
            _, cls, message, code, reasons = outcome
            raise cls(message, reasons, code=code)
        return outcome[1]

    def _replace(self, broken: ProcessPoolExecutor, kill: bool = False) -> None:
        """Swap in a new pool once, however many requests saw the old one break."""
        with self._lock:
            if self._pool is not broken:
                return
            self._pool = self._new_pool()
            self.restarts += 1
        if kill:
            # A hung worker never returns; the executor has no public way to stop it.
            for process in list(getattr(broken, "_processes", {}).values()):
                process.kill()
        broken.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
