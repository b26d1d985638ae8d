"""A wheel built from the repository installs in a fresh virtual environment and `claims demo` runs
from it, outside the repository (so rules, schemas, migrations and data must come from the wheel).

Same steps as `make wheel-check`; slow (a build, a venv, an install that compiles durable-rules
unless pip's cache has it), but part of the default run.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_wheel_built_from_the_repository_runs_the_demo_from_a_fresh_virtual_environment(tmp_path):
    if importlib.util.find_spec("build") is None:
        pytest.skip("python -m build is not installed (pip install -e '.[test]' brings it)")
    # Build from a clean copy: no stale build/ folder can slip files into the wheel, and the
    # repository gets no build artefacts from the test.
    source = tmp_path / "source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis", "*.sqlite*"))
    dist = tmp_path / "dist"
    built = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(source)],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    wheels = list(dist.glob("claimflow-*.whl"))
    assert len(wheels) == 1
    names = zipfile.ZipFile(wheels[0]).namelist()
    for needed in ("claimflow/rules/base/10-submit.yaml", "claimflow/schemas/ruleset.schema.json",
                   "claimflow/data/online-retail/online_retail_2010-12.csv", "claimflow/cli/main.py"):
        assert needed in names, f"the wheel lacks {needed}"
    assert any(n.startswith("claimflow/adapters/db/migrations/versions/") for n in names)

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    installed = subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheels[0])],
                               capture_output=True, text=True, timeout=900)
    assert installed.returncode == 0, installed.stderr[-3000:]

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAIMFLOW_", "PYTHON", "VIRTUAL_ENV"))}
    demo = subprocess.run([str(env_dir / "bin" / "claims"), "demo", "--limit", "5", "--db-file",
                           str(outside / "demo.sqlite"), "--json"],
                          capture_output=True, text=True, cwd=outside, env=env, timeout=600)
    assert demo.returncode == 0, demo.stderr[-3000:]
    summary = json.loads(demo.stdout)
    assert summary["failures"] == [] and summary["claims"] == 5 * len(summary["companies"]) > 0
    for company in summary["companies"]:
        assert company["header_statuses"] == {"closed": 5}, company["company"]
    where = subprocess.run([str(python), "-c", "import claimflow.cli.main as m; print(m.__file__)"],
                           capture_output=True, text=True, cwd=outside, env=env, timeout=60)
    assert str(env_dir) in where.stdout and str(REPO) not in where.stdout
