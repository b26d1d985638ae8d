"""The Alembic migrations build exactly the schema orm.py describes, without any alembic.ini."""
from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, MetaData, String, Table

from claimflow.adapters.db import current_revision, head_revision, make_engine, metadata, upgrade
from claimflow.adapters.db.schema import MIGRATIONS_DIR
from claimflow.engine.domain.errors import ConfigurationError


def _schema_diffs(url: str, target: MetaData) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, target)
    finally:
        engine.dispose()


def test_the_migrated_schema_matches_the_table_metadata(db_url):
    upgrade(db_url)
    assert _schema_diffs(db_url, metadata) == []


def test_the_schema_comparison_notices_a_table_the_migrations_lack(db_url):
    upgrade(db_url)
    drifted = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(drifted)
    Table("not_migrated", drifted, Column("code", String(10), primary_key=True))
    assert [diff[0] for diff in _schema_diffs(db_url, drifted)] == ["add_table"]


def test_a_new_database_has_no_revision_until_upgraded_to_head(db_url):
    assert current_revision(db_url) is None
    assert upgrade(db_url) == head_revision()
    assert head_revision() is not None
    assert current_revision(db_url) == head_revision()


def test_upgrading_a_database_already_at_head_changes_nothing(db_url):
    upgrade(db_url)
    assert upgrade(db_url) == head_revision()
    assert _schema_diffs(db_url, metadata) == []


def test_the_migrations_ship_as_python_modules_and_need_no_alembic_ini():
    assert (MIGRATIONS_DIR / "env.py").is_file() and (MIGRATIONS_DIR / "versions" / "__init__.py").is_file()
    assert not list(Path(MIGRATIONS_DIR).glob("*.ini"))
    assert list((MIGRATIONS_DIR / "versions").glob("0*.py"))


def test_the_revisions_form_one_line_with_a_single_head():
    from alembic.script import ScriptDirectory
    from claimflow.adapters.db.schema import alembic_config
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
    files = list((MIGRATIONS_DIR / "versions").glob("0*.py"))
    assert len(list(script.walk_revisions())) == len(files)


def test_a_database_that_cannot_be_opened_raises_a_configuration_error(tmp_path):
    url = f"sqlite:///{tmp_path / 'missing-dir' / 'claims.sqlite'}"
    with pytest.raises(ConfigurationError) as caught:
        upgrade(url)
    assert caught.value.code == "database_unavailable"


def test_an_unsupported_database_url_is_a_configuration_error():
    with pytest.raises(ConfigurationError) as caught:
        make_engine("mysql://someone@localhost/claims")
    assert caught.value.code == "invalid_database_url"
