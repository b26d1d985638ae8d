"""docs/vocabulary.md is the catalogue's current vocabulary (regenerate it after adding any)."""
from pathlib import Path

from claimflow.engine.rulebook.vocabulary import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "vocabulary.md"


def test_the_vocabulary_reference_matches_the_catalogue():
    assert DOC.read_text() == render(), "run: python -m claimflow.engine.rulebook.vocabulary > docs/vocabulary.md"


def test_the_reference_names_every_fact_field_and_action():
    text = render()
    for name in ("estimates_pending", "approval_quantity", "request_credit_note", "set_line_status", "not_in"):
        assert f"`{name}`" in text
