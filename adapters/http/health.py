"""The health report: database reachable and migrated, rule set loadable (with its hash)."""
from __future__ import annotations

from ...engine.domain.errors import ClaimflowError
from ..bootstrap import App
from ..db import head_revision
from ..db.http_store import database_status


def health_report(app: App) -> dict:
    reachable, revision, problem = database_status(app.uow_factory.engine)
    try:
        head = head_revision()
    except Exception:  # several heads: a migration was added without its down_revision set right
        head = None
    database = {"reachable": reachable, "revision": revision, "head": head, "up_to_date": revision == head}
    if problem:
        database["error"] = problem
    try:
        ruleset = app.rulebook.for_company(None)
        rules = {"valid": True, "hash": ruleset.hash, "rules": len(ruleset.rules),
                 "evaluator": getattr(app.rulebook.evaluator, "name", "?")}
    except ClaimflowError as error:
        rules = {"valid": False, "error": error.code}
    ok = reachable and database["up_to_date"] and rules["valid"]
    return {"status": "ok" if ok else "unavailable", "database": database, "rules": rules}
