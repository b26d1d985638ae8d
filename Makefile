# Claimflow: the two quick-start commands (`make demo`, `make test`) and the checks CI runs.
#
# Every target installs what it needs first: `.venv` is created with python3 from PATH and the
# project is installed editable with its test and PostgreSQL extras. The install is redone only
# when pyproject.toml changes (stamp file .venv/.installed).

PYTHON3 ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Options of the test run (README, "Tests"). `make test PYTEST_ARGS='-k lifecycle'` adds more.
PYTEST_OPTS := -q --durations=15 --rules-min-coverage 100
PYTEST_ARGS ?=
# Benchmark size (`make bench CLAIMS=2000`).
CLAIMS ?= 10000

.PHONY: venv demo test bench wheel-check clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON3) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e '.[test,postgres]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/claims demo

# pytest's exit code 5 ("no tests collected") means nothing ran: it fails this target (and CI)
# like any other non-zero code, with a message saying so.
test: $(STAMP)
	@rc=0; $(PY) -m pytest $(PYTEST_OPTS) $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests (exit 5): failing" >&2; fi; \
	exit $$rc

bench: $(STAMP)
	$(PY) bench/bench_rules.py --claims $(CLAIMS)

# Build a wheel, install it into a fresh virtual environment outside the repository and run the
# demo from there (proves the wheel carries the rules, schemas, migrations and data it needs).
# build/ is removed first: setuptools would package stale files left in it by an earlier build.
wheel-check: $(STAMP)
	@set -eu; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	echo "wheel-check: building in $$tmp"; rm -rf build; \
	$(PY) -m build --wheel --outdir "$$tmp/dist" . > "$$tmp/build.log" 2>&1 || { cat "$$tmp/build.log"; exit 1; }; \
	$(PYTHON3) -m venv "$$tmp/venv"; \
	"$$tmp/venv/bin/python" -m pip install --quiet "$$tmp"/dist/*.whl; \
	cd "$$tmp" && "$$tmp/venv/bin/claims" demo --limit 20 --db-file "$$tmp/demo.sqlite"; \
	echo "wheel-check: ok ($$(basename "$$tmp"/dist/*.whl))"

clean:
	rm -rf build dist *.egg-info claimflow-demo.sqlite
