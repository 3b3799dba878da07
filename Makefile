# Two commands on a fresh machine with Python 3.11+:  make run  (the bot)  and  make test.
# Each creates .venv the first time and installs what it needs (and again when pyproject changes):
# `make run` the bot alone, `make test` the bot plus pytest, linters and the rest of [dev].
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint format bench clean lock

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	@touch $(RUN_STAMP)

$(TEST_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(TEST_STAMP) $(RUN_STAMP)

run: $(RUN_STAMP)
	$(BIN)/python run_bot.py

test: $(TEST_STAMP)
	$(BIN)/python -m pytest

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(TEST_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The versions we test and ship (the Dockerfile installs with the same file). After changing a
# dependency in pyproject.toml: make lock, run the tests, commit both files.
lock: $(TEST_STAMP)
	$(BIN)/python -m pip install --quiet --upgrade -e '.[dev]'
	{ echo '# Pinned versions of everything the bot and its tests install: make lock rewrites this file.'; \
	  echo '# make run / make test (hence .ci/run) and the Dockerfile install with -c constraints.txt.'; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e '; } > constraints.txt

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache *.egg-info
