# baiyi: `make report` and `make test` are all a fresh machine needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: test lint bench report lab sample clean-venv

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

# The weekly briefing on the shipped sample ledgers: reports/<as_of>/weekly_briefing.html
report: $(STAMP)
	$(VENV)/bin/baiyi report --data data/sample

# JupyterLab for analysts, in its own environment: installing jupyterlab beside the report
# stack makes every `import nbformat` (papermill, nbconvert, the kernel) ~2 s slower.
LAB := .venv-lab
lab: $(STAMP)
	test -x $(LAB)/bin/jupyter-lab || ( $(PYTHON) -m venv $(LAB) && $(LAB)/bin/pip install -q jupyterlab==4.6.6 )
	$(PY) -m ipykernel install --prefix $(LAB) --name baiyi --display-name "baiyi (.venv)"
	$(LAB)/bin/jupyter-lab notebooks/

# Regenerate the synthetic sample ledgers (byte-identical for the same seed).
sample: $(STAMP)
	$(VENV)/bin/baiyi sample data/sample

clean-venv:
	rm -rf $(VENV)
