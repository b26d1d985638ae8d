"""The frozen settings object: where the database and the rule files are. Read at the edge only."""
from __future__ import annotations

import os
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

DEFAULT_DB_URL = "sqlite:///claimflow.sqlite"


def bundled_rules_dir() -> Path:
    return Path(str(files("claimflow.rules")))


def bundled_schemas_dir() -> Path:
    return Path(str(files("claimflow.schemas")))


def bundled_data_dir() -> Path:
    return Path(str(files("claimflow.data")))


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DB_URL
    rules_dir: Path = None  # type: ignore[assignment]
    actor: str = "cli"

    @classmethod
    def from_env(cls, database_url: str | None = None, rules_dir: str | os.PathLike | None = None,
                 actor: str | None = None, environ: dict | None = None) -> "Settings":
        """Options win over the environment (CLAIMFLOW_DB_URL, CLAIMFLOW_RULES, CLAIMFLOW_ACTOR)."""
        env = os.environ if environ is None else environ
        rules = rules_dir or env.get("CLAIMFLOW_RULES")
        return cls(database_url=database_url or env.get("CLAIMFLOW_DB_URL") or DEFAULT_DB_URL,
                   rules_dir=Path(rules) if rules else bundled_rules_dir(),
                   actor=actor or env.get("CLAIMFLOW_ACTOR") or env.get("USER") or "cli")
