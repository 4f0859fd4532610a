# The two commands of the README:  make demo  and  make test.
# Both create .venv when it is missing and install the package with its extras,
# pinned by constraints/dev.txt (torch==2.13.0 is a CPU wheel on these machines).
# Long targets say what they run before they start, and Python runs unbuffered
# (PYTHONUNBUFFERED=1) so that progress reaches the terminal, a pipe or a log
# file (make demo | tee demo.log) as it happens, not in one block at the end.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.skcontrast-installed
DEMO ?= examples/mof/plot_mof_synthesis.py
PIP_QUIET := 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }

.PHONY: demo test docs lint venv clean bench

venv: $(STAMP)

$(STAMP): pyproject.toml constraints/dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "skcontrast needs Python 3.11+, found " + sys.version.split()[0])'
	@test -x $(PY) || { echo "creating $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "installing skcontrast and its dependencies into $(VENV) (pins: constraints/dev.txt)"
	@$(PY) -m pip install -q --upgrade pip $(PIP_QUIET)
	@$(PY) -m pip install -q -c constraints/dev.txt -e ".[test,plot,faiss,docs,dask]" $(PIP_QUIET)
	@touch $(STAMP)

demo: $(STAMP)
	@echo "make demo: running $(DEMO) (it prints its steps as it goes)"
	PYTHONUNBUFFERED=1 $(PY) $(DEMO)

lint: $(STAMP)
	$(PY) -m ruff check .

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest

docs: $(STAMP)
	@echo "make docs: building docs/_build/html; sphinx-gallery runs every example under"
	@echo "  examples/ (SKCONTRAST_FAST=1 shortens their training) and prints a line as each"
	@echo "  example and page is done"
	SKCONTRAST_FAST=1 PYTHONUNBUFFERED=1 $(PY) -m sphinx -W --keep-going -b html docs docs/_build/html
	@echo "docs built: docs/_build/html/index.html"

bench: $(STAMP)
	@$(PY) -m pip install -q -c constraints/dev.txt -e ".[test,plot,faiss,bench]" $(PIP_QUIET)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build dist docs/_build docs/generated docs/auto_examples
