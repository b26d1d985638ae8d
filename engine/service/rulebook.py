"""Gives each company its effective rule set (loaded once per process), earlier stored versions,
and the evaluator to use."""
from __future__ import annotations

import threading
from pathlib import Path

from ..rulebook.loader import load_ruleset
from ..rulebook.model import RuleSet
from ..rulebook.versions import from_document


class Rulebook:
    def __init__(self, rules_dir: Path, evaluator):
        self.rules_dir = Path(rules_dir)
        self.evaluator = evaluator
        self._cache: dict[str, RuleSet] = {}
        self._versions: dict[str, RuleSet] = {}
        self._lock = threading.Lock()

    def for_company(self, company: str) -> RuleSet:
        with self._lock:
            if company not in self._cache:
                self._cache[company] = load_ruleset(self.rules_dir, company)
            return self._cache[company]

    def version(self, ruleset_hash: str, stored: dict | None) -> RuleSet | None:
        """An earlier version from its stored document (compiled once per process)."""
        with self._lock:
            if ruleset_hash not in self._versions and stored is not None:
                self._versions[ruleset_hash] = from_document(stored)
            return self._versions.get(ruleset_hash)
