"""Composition root: settings -> database, rulebook, evaluator and the claim service."""
from __future__ import annotations

import os
from dataclasses import dataclass

from ..engine.domain.errors import ConfigurationError
from ..engine.service.claims import ClaimService
from ..engine.service.rulebook import Rulebook
from ..engine.settings import Settings


def make_evaluator(name: str | None = None):
    """durable-rules by default; CLAIMFLOW_EVALUATOR=reference selects the plain-Python evaluator."""
    name = name or os.environ.get("CLAIMFLOW_EVALUATOR", "durable")
    if name == "durable":
        from ..engine.rulebook.durable_engine import DurableEvaluator
        return DurableEvaluator()
    if name == "reference":
        from ..engine.rulebook.reference import ReferenceEvaluator
        return ReferenceEvaluator()
    raise ConfigurationError(f"unknown evaluator '{name}' (durable or reference)", code="unknown_evaluator")


@dataclass
class App:
    settings: Settings
    uow_factory: object
    rulebook: Rulebook
    claims: ClaimService

    def close(self) -> None:
        engine = getattr(self.uow_factory, "engine", None)
        if engine is not None:
            engine.dispose()


def build_app(settings: Settings, evaluator=None) -> App:
    from .db import make_uow_factory
    uow_factory = make_uow_factory(settings.database_url)
    rulebook = Rulebook(settings.rules_dir, evaluator or make_evaluator())
    return App(settings, uow_factory, rulebook, ClaimService(uow_factory, rulebook))
