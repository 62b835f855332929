# baiyi: `make report` and `make test` are all a fresh machine needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# JupyterLab for analysts, in its own environment: installing jupyterlab beside the report
# stack makes every `import nbformat` (papermill, nbconvert, the kernel) ~2 s slower.
LAB       := .venv-lab
LAB_STAMP := $(LAB)/.installed
# The intranet is offline: no news, no update checks.
LAB_FLAGS := --ServerApp.root_dir=$(CURDIR) --LabApp.news_url=None \
  --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate

.PHONY: test test-lab test-office lint bench mutate report lab sample clean-venv lock

# Build the environment on first use (and again when the pins change): every package at
# the lock's version, then baiyi itself without resolving anything again.
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps -e .
	touch $(STAMP)

# Regenerate the lock from pyproject.toml's pins (uv, in a throwaway environment), keeping
# the versions installed in .venv where they still satisfy the pins.
lock: $(STAMP)
	$(PYTHON) -m venv /tmp/baiyi-uv && /tmp/baiyi-uv/bin/pip install -q uv==0.13.9
	$(PY) -m pip freeze --exclude-editable > /tmp/baiyi-installed.txt
	/tmp/baiyi-uv/bin/uv pip compile pyproject.toml --extra dev -c /tmp/baiyi-installed.txt \
	  --python $(PY) --no-header --annotation-style line -o /tmp/baiyi-lock.txt
	head -4 requirements.lock > /tmp/baiyi-lock-head.txt
	cat /tmp/baiyi-lock-head.txt /tmp/baiyi-lock.txt > requirements.lock

# The Lab environment: plotly at the kernel's pin (its Lab extension draws the charts),
# the "baiyi" kernel that the notebooks ask for (it runs .venv's Python), no news prompt.
$(LAB_STAMP): $(STAMP)
	$(PYTHON) -m venv $(LAB)
	$(LAB)/bin/pip install -q --upgrade pip
	$(LAB)/bin/pip install -q jupyterlab==4.6.6 plotly==7.1.0
	$(PY) -m ipykernel install --prefix $(LAB) --name baiyi --display-name "baiyi (.venv)"
	mkdir -p $(LAB)/etc/jupyter/labconfig
	echo '{"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": true}}' \
	  > $(LAB)/etc/jupyter/labconfig/page_config.json
	touch $(LAB_STAMP)

# Everything, the JupyterLab tests included (they use .venv-lab, built on first use), on
# every core (pytest-xdist: 2 workers on CI's 2-core machine). A file's tests run in one
# worker (loadfile), so a module's fixture (a rendered page, a printed handout, the Lab
# server) is still made once. `make test TESTFLAGS=` runs them one after another.
TESTFLAGS ?= -n auto --dist loadfile
test: $(STAMP) $(LAB_STAMP)
	BAIYI_LAB=$(CURDIR)/$(LAB) $(PY) -m pytest $(TESTFLAGS)

# Only the JupyterLab tests: Run All on every notebook in a real Lab, through Chromium.
test-lab: $(LAB_STAMP)
	BAIYI_LAB=$(CURDIR)/$(LAB) $(PY) -m pytest tests/lab

# The export and the templates through LibreOffice (apt-get install libreoffice-calc-nogui):
# printed to PDF, and a filled template re-saved as .xlsx, .xls and .ods. .ci/run runs it.
test-office: $(STAMP)
	$(PY) -m pytest tests/office

lint: $(STAMP)
	$(PY) -m ruff check baiyi_lib tests bench
	$(PY) -m ruff format --check baiyi_lib tests bench
	$(PY) -m yamllint --strict -c .yamllint.yaml params tests

bench: $(STAMP)
	$(PY) bench/run.py

# The weekly briefing on the shipped sample ledgers: reports/<as_of>/weekly_briefing.html
report: $(STAMP)
	$(VENV)/bin/baiyi report --data data/sample

lab: $(LAB_STAMP)
	$(LAB)/bin/jupyter-lab $(LAB_FLAGS) notebooks/

# Regenerate the synthetic sample ledgers (byte-identical for the same seed).
sample: $(STAMP)
	$(VENV)/bin/baiyi sample data/sample

clean-venv:
	rm -rf $(VENV) $(LAB)

# Mutation testing of the scoring engine (mutmut, configured in pyproject.toml): every
# mutant should make a rule case, a property or a parameter test fail. Takes a while;
# the property tests run with fewer examples per mutant. Survivors: `mutmut results`.
mutate: $(STAMP)
	rm -rf mutants
	BAIYI_EXAMPLES=8 $(VENV)/bin/mutmut run; $(VENV)/bin/mutmut results > mutants/survivors.txt; \
	  echo "surviving mutants: $$(grep -c ': survived' mutants/survivors.txt) (list: mutants/survivors.txt)"
