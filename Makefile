# baiyi: `make report` and `make test` are all a fresh machine needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: test lint bench report sample clean-venv

# Build the environment on first use (and again when pyproject.toml changes).
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check baiyi_lib tests bench
	$(PY) -m ruff format --check baiyi_lib tests bench

bench: $(STAMP)
	$(PY) bench/run.py

# The HTML briefing arrives with the notebooks (issue 4); until then the report is the
# ranked score table of the shipped sample ledgers.
report: $(STAMP)
	$(VENV)/bin/baiyi score --data data/sample

# Regenerate the synthetic sample ledgers (byte-identical for the same seed).
sample: $(STAMP)
	$(VENV)/bin/baiyi sample data/sample

clean-venv:
	rm -rf $(VENV)
