"""A claim keeps the rule-set version it was submitted under until it is migrated (DOMAIN 5.11)."""
from __future__ import annotations

import shutil
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from claimflow.adapters.bootstrap import make_evaluator
from claimflow.engine.domain.errors import CommandDenied
from claimflow.engine.domain.model import Company, Customer, Item, OriginalDocument, OriginalDocumentLine
from claimflow.engine.rulebook.loader import load_ruleset
from claimflow.engine.rulebook.reference import ReferenceEvaluator
from claimflow.engine.rulebook.versions import from_document, to_document
from claimflow.engine.service.claims import ClaimService
from claimflow.engine.service.commands import ClaimCommand
from claimflow.engine.service.rulebook import Rulebook
from claimflow.engine.settings import bundled_rules_dir

FREEZE = """# yaml-language-server: $schema=../../schemas/ruleset.schema.json
ruleset: freeze
description: A stricter version - no approvals at all.
rules:
  - id: freeze.no-approvals
    description: Approvals are frozen in this version.
    when:
      command: approve_claim
    then:
      - deny: {code: approvals_frozen, message: "Approvals are frozen"}
"""


@pytest.fixture
def versions(tmp_path):
    old = tmp_path / "v1"
    shutil.copytree(bundled_rules_dir(), old, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    new = tmp_path / "v2"
    shutil.copytree(old, new)
    (new / "base" / "99-freeze.yaml").write_text(FREEZE)
    return old, new


def _service(uow_factory, rules_dir):
    return ClaimService(uow_factory, Rulebook(rules_dir, make_evaluator("durable")))


def _seed(uow_factory):
    with uow_factory() as uow:
        uow.companies.add(Company("VER", "Versions", "EUR"))
        uow.master_data.add_customer(Customer("VER", "C1"))
        uow.master_data.add_item(Item("VER", "A"))
        uow.documents.add(OriginalDocument("VER", "invoice", "INV-V", "C1", datetime(2026, 1, 5, tzinfo=timezone.utc),
                                           "EUR", [OriginalDocumentLine(1, "A", Decimal("4"), Decimal("5.00"))]))
        uow.commit()


def test_a_stored_rule_set_compiles_back_to_the_same_rules_with_the_same_hash_and_decisions():
    ruleset = load_ruleset(bundled_rules_dir(), "DE01")
    again = from_document(to_document(ruleset))
    assert again.hash == ruleset.hash
    assert [r.id for r in again.rules] == [r.id for r in ruleset.rules]
    assert [_conditions(r) for r in again.rules] == [_conditions(r) for r in ruleset.rules]
    assert [r.actions[0].name for r in again.rules] == [r.actions[0].name for r in ruleset.rules]
    assert again.rule("de01.approve.inspection-above-500").origin.location == \
        ruleset.rule("de01.approve.inspection-above-500").origin.location


def _conditions(rule):
    return [(p.kind, [(t.field, t.op, t.value, t.ref) for t in p.tests]) for p in rule.patterns]


def test_a_stored_rule_set_whose_content_was_altered_is_refused():
    document = to_document(load_ruleset(bundled_rules_dir()))
    document["rules"][0]["raw"]["description"] = "changed behind the hash's back"
    with pytest.raises(Exception) as caught:
        from_document(document)
    assert getattr(caught.value, "code", None) == "ruleset_corrupt"


def test_a_claim_submitted_under_one_version_is_decided_by_it_until_migrated(uow_factory, versions):
    old_rules, new_rules = versions
    _seed(uow_factory)
    v1 = _service(uow_factory, old_rules)
    early = v1.register_from_document("VER", "INV-V", line_nos=[1]).number
    v1.run(ClaimCommand("modify_line", "VER", early, line_no=10, changes={"quantity": Decimal("2")}))
    v1.run(ClaimCommand("submit", "VER", early))
    v2 = _service(uow_factory, new_rules)
    late = v2.register_from_document("VER", "INV-V").number
    v2.run(ClaimCommand("submit", "VER", late))
    with pytest.raises(CommandDenied) as frozen:
        v2.run(ClaimCommand("approve_claim", "VER", late))
    assert frozen.value.code == "approvals_frozen"
    assert v2.why(ClaimCommand("approve_claim", "VER", early))["allowed"] is True
    assert v2.migrate_ruleset("VER") == [early]
    with pytest.raises(CommandDenied) as migrated:
        v2.run(ClaimCommand("approve_claim", "VER", early))
    assert migrated.value.code == "approvals_frozen"
    claim, audit = v2.show("VER", early)
    assert claim.ruleset_hash == v2.rulebook.for_company("VER").hash
    assert {a.ruleset_hash for a in audit} == {v1.rulebook.for_company("VER").hash}
